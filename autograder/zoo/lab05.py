"""Bug zoo of Lab 05: mistakes people make writing a scalar autograd engine, and correct variants.

Sources besides the course's catalogue: micrograd's issue tracker (issue 76: `__radd__` written as
`other + self` recurses without end; issues 21, 64 and 68: a backward that recurses into each parent
without a topological order, processing a node once per path; issue 2: gradients of reused interior
nodes), and the usual engine mistakes of Stack Overflow questions (a result built from `.data`, so
detached from the graph; a visited set keyed by value).

The held-out round of issue 15 (written and run through the harness before the checks named them) adds
the loops of the micrograd lecture (a summed loss, `p.data += -lr * p.grad`; micrograd issues 25 and 60 on
what zero_grad must reset), nn-zero-to-hero issue 52 (which quantity exp's derivative is taken of), micrograd
issue 17 (`__pow__` with a plain-number exponent) and derivatives applied to the wrong quantity (an
activation applied twice, a rule evaluated at the output), a loss node whose hand-written backward is not
the derivative of its forward, and inputs modified in place.
The third held-out round of issue 15 (15 mistakes and 7 variants written and run through the harness before the
checks named them) adds wrong cached quantities in the closures (self.grad where out.grad belongs, a term left
outside the parentheses of `* out.grad`, out.data taken as relu's derivative, a denominator used through its
.data), off-by-one slices in backward() (the root skipped), an inverted reset condition, copy-pasted branches,
sum-then-square and 1/(N - 1) losses, an update of one layer only and float() of a Value.
The fourth held-out round of issue 15 (15 mistakes and 6 variants written and run through the harness before the
checks named them; 6 more written afterwards to test that the new general messages name mistakes nobody wrote down)
adds int() in the constructor, a sign slip or a copy-pasted operand in one branch of a closure, a circle among the
derived operators (__neg__ as 0 - self), local derivatives with a wrong formula (second derivatives, k + 1), an early
return of a parentless Value where the derivative is 0, state kept between backward() calls (a mutable default
argument, a class attribute), an off-by-one in the neuron's sum, a loop over the layers that stops early, a zero_grad
that resets the module instead of its parameters, p**2 - t**2, zero_grad without parentheses and updates by p.data,
by grad/N or by lr**2 (sources: micrograd issue 21's remark that the topological order could be cached between
calls and issue 68's backward(self, is_first=True), whose default-argument habit gives the topo=[] mutant).
The fifth held-out round of issue 15 (20 mistakes and 6 variants, measured before the checks named them) adds
a constructor that drops _children or stores the label in _op (judged in value_init alone), relu's inverted mask, a
Neuron adding w + x, an MLP applying every layer to x, a learning rate written into train_step, the root's seed
returned as the loss, a ** k computed as a * k and tanh as math.tan (named as neighbouring formulas).
The sixth held-out round (15 mistakes and 5 variants measured before the checks changed, then 6 "validation" mistakes
written after the general diagnoses) adds operands swapped in __truediv__, the forward formula at |a| or a + 1, a number
with the wrong sign in __rsub__, a leaky relu, interior grads erased after use, a visited set of ids tested with nodes,
a bias added twice, an early return in zero_grad, 1 // N in the loss and backward() called twice in train_step.
The seventh held-out round (m15c: 13 mistakes and 8 variants measured before the checks changed, then 5 mistakes of the
same classes in other functions) adds an __eq__ that makes Values unhashable, parents written (self) for (self,), a
_backward that takes an argument, getattr(z, act)() for 'linear', zero_grad written in MLP only, library functions
on Values (statistics.mean, math.fsum), PyTorch habits (model(x)[0], loss.item(), .detach()), parameters() misnamed
in MLP or Layer and max(0, z) for relu.
Round 22b (15 mistakes, 8 variants, measured before the checks changed) adds two numbers of the power rule swapped,
neighbouring functions' derivative rules (sigmoid's s(1 - s), sech without the square, log10's 1/(a ln 10)), a root
seeded with its own value, a bias joined as .data and train_step habits (per-sample backward, weights-only update).
"""
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

_BFS = """        topo, visited = [], set()
        queue = [self]
        visited.add(self)
        while queue:
            node = queue.pop(0)
            topo.append(node)
            for parent in node._prev:
                if parent not in visited:
                    visited.add(parent)
                    queue.append(parent)
        topo.reverse()
"""

_PREORDER = """        topo, visited = [], set()
        stack = [self]
        while stack:
            node = stack.pop()
            if node in visited:
                continue
            visited.add(node)
            topo.append(node)
            stack.extend(node._prev)
        topo.reverse()
"""

_BACKWARD_BODY = _DFS + """        for node in topo:
            if node._prev:
                node.grad = 0.0   # interior node: forget what a previous call left there
        self.grad += 1.0
        for node in reversed(topo):
            node._backward()
"""

_PER_CHILD = """        self.grad = 1.0

        def visit(node):
            node._backward()
            for parent in node._prev:
                visit(parent)
        visit(self)
"""

_TANH = """        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t ** 2) * out.grad
        out._backward = _backward
        return out
"""

_ITER = """        topo, visited = [], {id(self)}
        stack = [(self, iter(list(self._prev)))]
        while stack:
            node, parents = stack[-1]
            for parent in parents:
                if id(parent) not in visited:
                    visited.add(id(parent))
                    stack.append((parent, iter(list(parent._prev))))
                    break
            else:
                stack.pop()
                topo.append(node)
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
    # --- reflected and derived operators
    Mutant("__radd__ written as other + self (micrograd issue 76)",
           old="return self + other", new="return other + self",
           expect="write self first"),
    Mutant("__rmul__ written as other * self",
           old="return self * other\n", new="return other * self\n",
           expect="write self first"),
    Mutant("__neg__ builds a new leaf from the data",
           old="return self * -1", new="return Value(-self.data)",
           expect="no parents"),
    Mutant("__sub__ builds a new leaf from the data",
           old="return self + (-other)",
           new="return Value(self.data - (other.data if isinstance(other, Value) else other))",
           expect="no parents"),
    # --- local derivatives
    Mutant("power rule without the factor k",
           old="k * self.data ** (k - 1) * out.grad", new="self.data ** (k - 1) * out.grad",
           expect="the factor k is missing"),
    Mutant("relu derivative with >= on the output",
           old="(out.data > 0) * out.grad", new="(out.data >= 0) * out.grad",
           expect="relu derivative"),
    Mutant("relu returns its input for positive values",
           old='out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")',
           new='if self.data > 0:\n            return self\n        out = Value(0.0, (self,), "relu")',
           expect="returned its input itself"),
    Mutant("tanh result does not record its input",
           old='out = Value(t, (self,), "tanh")', new='out = Value(t, (), "tanh")',
           expect="no parents"),
    Mutant("exp forgets the chain rule",
           old="self.grad += out.data * out.grad", new="self.grad += out.data",
           expect="chain rule"),
    Mutant("log with log10",
           old='out = Value(math.log(self.data), (self,), "log")', new='out = Value(math.log10(self.data), (self,), "log")',
           expect="log10"),
    # --- backward()
    Mutant("backward resets every grad, leaves included",
           old="            if node._prev:\n                node.grad = 0.0",
           new="            if True:\n                node.grad = 0.0",
           expect="were reset or overwritten"),
    Mutant("breadth-first order instead of a topological order",
           old=_DFS, new=_BFS,
           expect="outputs first"),
    Mutant("depth-first pre-order (a node before its parents)",
           old=_DFS, new=_PREORDER,
           expect="outputs first"),
    Mutant("recursive backward into each parent, no topological order (micrograd issues 21 and 68)",
           old=_BACKWARD_BODY, new=_PER_CHILD,
           expect=("more than once", "recursion limit")),
    Mutant("visited set keyed by the data",
           old="            if node in visited:\n                continue\n            visited.add(node)",
           new="            if node.data in visited:\n                continue\n            visited.add(node.data)",
           also=(("                if parent not in visited:", "                if parent.data not in visited:"),),
           expect="not their .data"),
    # --- modules and training
    Mutant("zero_grad sets grad to None",
           old="p.grad = 0.0", new="p.grad = None",
           expect="None"),
    Mutant("neuron always applies tanh",
           old='        if self.act == "tanh":\n            return z.tanh()', new='        if True:\n            return z.tanh()',
           expect="is ignored"),
    Mutant("neuron forgets the bias",
           old="z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)",
           new="z = sum(wi * xi for wi, xi in zip(self.w, x))",
           expect="forgot the bias"),
    Mutant("Neuron.parameters returns a nested list",
           old="return self.w + [self.b]", new="return [self.w, self.b]",
           expect="flat list"),
    Mutant("MLP.parameters lists the last layer only",
           old="return [p for layer in self.layers for p in layer.parameters()]",
           new="return self.layers[-1].parameters()",
           expect="missing"),
    Mutant("MLP returns the first output always",
           old="return x[0] if len(x) == 1 else x", new="return x[0]",
           expect="must return a list"),
    Mutant("Layer returns only the first neuron's output",
           old="return [neuron(x) for neuron in self.neurons]", new="return [self.neurons[0](x)]",
           expect="must return a list of 2 Values"),
    Mutant("MSE built from the data (detached from the graph)",
           old="return sum((p - t) ** 2 for p, t in zip(preds, targets)) / len(preds)",
           new="return Value(sum((p.data - t) ** 2 for p, t in zip(preds, targets)) / len(preds))",
           expect="detached"),
    Mutant("MSE without the square",
           old="(p - t) ** 2 for p, t", new="(p - t) for p, t",
           expect="square the errors"),
    Mutant("train_step returns the loss Value",
           old="return loss.data", new="return loss",
           expect="not the loss Value"),
    Mutant("train_step updates before backward",
           old="    loss.backward()\n    for p in model.parameters():\n        p.data -= lr * p.grad",
           new="    for p in model.parameters():\n        p.data -= lr * p.grad\n    loss.backward()",
           expect=("did not change the parameters", "previous step")),
    Mutant("train_step zeroes the gradients after backward",
           old="    model.zero_grad()\n    loss = mse_loss([model(x) for x in xs], ys)\n    loss.backward()\n",
           new="    loss = mse_loss([model(x) for x in xs], ys)\n    loss.backward()\n    model.zero_grad()\n",
           expect="did not change the parameters"),
    Mutant("train_step's loss on the last sample only",
           old="    loss = mse_loss([model(x) for x in xs], ys)",
           new="    for x, y in zip(xs, ys):\n        loss = mse_loss([model(x)], [y])",
           expect="whole batch"),
    Mutant("train_step ignores the learning rate",
           old="p.data -= lr * p.grad", new="p.data -= p.grad",
           expect=("learning rate lr is ignored", "the step does not scale with lr")),
    Mutant("backward seeds the root after propagating",
           old="        self.grad += 1.0\n        for node in reversed(topo):\n            node._backward()",
           new="        for node in reversed(topo):\n            node._backward()\n        self.grad += 1.0",
           expect="*before* calling the _backward"),
    Mutant("a new Value starts with grad 1",
           old="self.grad = 0.0\n        self._prev", new="self.grad = 1.0\n        self._prev",
           expect="must start with grad = 0.0"),
    Mutant("negation as self * 1",
           old="return self * -1", new="return self * 1",
           expect="wrong sign"),
    # --- held-out round of issue 15 (written and run before the checks named them)
    Mutant("train_step rebinds p instead of updating p.data",
           old="        p.data -= lr * p.grad\n    return loss.data",
           new="        p = p - lr * p.grad\n    return loss.data",
           expect="did not change the parameters"),
    Mutant("train_step's loss is the sum of squares (the micrograd lecture's), not the mean",
           old="    loss = mse_loss([model(x) for x in xs], ys)",
           new="    loss = sum((model(x) - y) ** 2 for x, y in zip(xs, ys))",
           expect="n times that of the mean squared error"),
    Mutant("train_step returns the loss after the update",
           old="    return loss.data", new="    return mse_loss([model(x) for x in xs], ys).data",
           expect="before* the update"),
    Mutant("Layer repeats one Neuron object ([Neuron(...)] * nout)",
           old="self.neurons = [Neuron(nin, act, rng) for _ in range(nout)]",
           new="self.neurons = [Neuron(nin, act, rng)] * nout",
           expect="same neuron object"),
    Mutant("MLP applies tanh again on top of the neurons' activation",
           old="            x = layer(x)\n", new="            x = [v.tanh() for v in layer(x)]\n",
           expect="activation is applied twice"),
    Mutant("relu derivative tests out.grad instead of the output",
           old="(out.data > 0) * out.grad", new="(out.grad > 0) * out.grad",
           expect="must not depend on out.grad"),
    Mutant("tanh derivative applies tanh again (1 - tanh(t)**2)",
           old="(1 - t ** 2) * out.grad", new="(1 - math.tanh(t) ** 2) * out.grad",
           expect="tanh applied twice in the derivative"),
    Mutant("exp derivative applies exp again (exp(out.data), nn-zero-to-hero issue 52)",
           old="self.grad += out.data * out.grad", new="self.grad += math.exp(out.data) * out.grad",
           expect="exp applied twice in the derivative"),
    Mutant("power rule evaluated at the output (k * out**(k-1))",
           old="k * self.data ** (k - 1) * out.grad", new="k * out.data ** (k - 1) * out.grad",
           expect="evaluated at the output"),
    Mutant("backward resets the interior grads after seeding the root",
           old="        for node in topo:\n            if node._prev:\n                node.grad = 0.0   "
               "# interior node: forget what a previous call left there\n        self.grad += 1.0\n",
           new="        self.grad += 1.0\n        for node in topo:\n            if node._prev:\n                node.grad = 0.0\n",
           expect="*after* resetting the interior"),
    Mutant("mse_loss with a factor 1/2 (1/(2N))",
           old="for p, t in zip(preds, targets)) / len(preds)", new="for p, t in zip(preds, targets)) / (2 * len(preds))",
           expect="a factor 1/2 too many"),
    Mutant("__add__ records only self as its parent",
           old='(self, other), "+")', new='(self,), "+")',
           expect="not among the result's parents"),
    Mutant("zero_grad skips the last parameter",
           old="        for p in self.parameters():\n            p.grad = 0.0",
           new="        ps = self.parameters()\n        for i in range(len(ps) - 1):\n            ps[i].grad = 0.0",
           expect="every parameter of self.parameters() must have grad 0"),
    Mutant("mse_loss overwrites the caller's preds list",
           old="    return sum((p - t) ** 2 for p, t in zip(preds, targets)) / len(preds)",
           new="    for i in range(len(preds)):\n        preds[i] = preds[i] - targets[i]\n"
               "    return sum(d ** 2 for d in preds) / len(preds)",
           expect="changed the lists preds or targets"),
    Mutant("train_step backpropagates each sample's loss (the per-sample gradients add up)",
           old="    loss = mse_loss([model(x) for x in xs], ys)\n    loss.backward()",
           new="    for x, y in zip(xs, ys):\n        loss = mse_loss([model(x)], [y])\n        loss.backward()",
           expect="backward() once per sample"),
    Mutant("__pow__ truncates the exponent to an integer",
           old='out = Value(self.data ** k, (self,), f"**{k}")', new='out = Value(self.data ** int(k), (self,), f"**{k}")',
           expect="truncated to an integer"),
    Mutant("mse_loss as its own node whose _backward forgets the 1/N",
           old="    return sum((p - t) ** 2 for p, t in zip(preds, targets)) / len(preds)",
           new=("    n = len(preds)\n"
                "    out = Value(sum((p.data - t) ** 2 for p, t in zip(preds, targets)) / n, tuple(preds), 'mse')\n\n"
                "    def _backward():\n"
                "        for p, t in zip(preds, targets):\n"
                "            p.grad += 2 * (p.data - t) * out.grad\n"
                "    out._backward = _backward\n"
                "    return out"),
           expect="not the derivative of your own forward"),
    # --- third held-out round of issue 15 (run through the harness before the checks named them)
    Mutant("mul backward uses self.grad instead of out.grad for other",
           old="            other.grad += self.data * out.grad\n        out._backward = _backward",
           new="            other.grad += self.data * self.grad\n        out._backward = _backward",
           expect='self.grad or other.grad used where out.grad belongs'),
    Mutant("add backward forgets out.grad (adds 1)",
           old="            self.grad += out.grad\n            other.grad += out.grad",
           new="            self.grad += 1.0\n            other.grad += 1.0",
           expect='not multiplied by out.grad'),
    Mutant("log backward overwrites with = instead of +=",
           old="            self.grad += out.grad / self.data", new="            self.grad = out.grad / self.data",
           expect='must accumulate with +='),
    Mutant("power rule with missing parentheses (k * x ** k - 1)",
           old="k * self.data ** (k - 1) * out.grad", new="k * self.data ** k - 1 * out.grad",
           expect='check the parentheses'),
    Mutant("__truediv__ treats the denominator as a constant (1 / other.data)",
           old="return self * other ** -1",
           new="other = other if isinstance(other, Value) else Value(other)\n        return self * (1.0 / other.data)",
           expect='no gradient reaches this input'),
    Mutant("backward skips the root's _backward (reversed(topo[:-1]))",
           old="for node in reversed(topo):", new="for node in reversed(topo[:-1]):",
           expect="root's own _backward was never called"),
    Mutant("backward resets the leaves instead of the interior nodes",
           old="            if node._prev:\n                node.grad = 0.0", new="            if not node._prev:\n                node.grad = 0.0",
           expect='erased the gradient the leaves already held'),
    Mutant("relu derivative uses the output value (out.data * out.grad)",
           old="(out.data > 0) * out.grad", new="out.data * out.grad",
           expect='out.data, the result of the operation itself'),
    Mutant("tanh derivative 1 + t**2",
           old="(1 - t ** 2) * out.grad", new="(1 + t ** 2) * out.grad",
           expect='not 1 + t**2'),
    Mutant("neuron's relu branch copy-pasted as tanh",
           old="        if self.act == \"relu\":\n            return z.relu()", new="        if self.act == \"relu\":\n            return z.tanh()",
           expect='is ignored'),
    Mutant("Layer.parameters returns a nested list",
           old="return [p for neuron in self.neurons for p in neuron.parameters()]",
           new="return [neuron.parameters() for neuron in self.neurons]",
           expect='flat list'),
    Mutant("mse_loss squares the summed error",
           old="    return sum((p - t) ** 2 for p, t in zip(preds, targets)) / len(preds)",
           new="    return (sum(preds) - sum(targets)) ** 2 / len(preds)",
           expect='summed before squaring'),
    Mutant("mse_loss divides by N - 1",
           old="for p, t in zip(preds, targets)) / len(preds)", new="for p, t in zip(preds, targets)) / (len(preds) - 1)",
           expect='not by N - 1'),
    Mutant("train_step updates the last layer only",
           old="    for p in model.parameters():\n        p.data -= lr * p.grad",
           new="    for p in model.layers[-1].parameters():\n        p.data -= lr * p.grad",
           expect='kept their initial values'),
    Mutant("train_step returns float(loss) (Value has no __float__)",
           old="    return loss.data\n", new="    return float(loss)\n",
           expect="return the loss's number, loss.data"),
    # --- fourth held-out round of issue 15 (run through the harness before the checks named them)
    Mutant("Value.__init__ truncates data with int()",
           old="self.data = float(data)", new="self.data = int(data)",
           expect='rounded to whole numbers'),
    Mutant("__add__ backward sign slip on other only",
           old="            self.grad += out.grad\n            other.grad += out.grad",
           new="            self.grad += out.grad\n            other.grad -= out.grad",
           expect='minus the right derivative (a sign error)'),
    Mutant("__mul__ copy-paste: other.grad uses other.data",
           old="            other.grad += self.data * out.grad\n        out._backward = _backward",
           new="            other.grad += other.data * out.grad\n        out._backward = _backward",
           expect='(other.data) itself, not the derivative'),
    Mutant("__neg__ as 0 - self (recursion through __rsub__)",
           old="return self * -1", new="return 0 - self",
           expect='written as 0 - self'),
    Mutant("tanh derivative is the second derivative -2t(1 - t^2)",
           old="(1 - t ** 2) * out.grad", new="-2 * t * (1 - t ** 2) * out.grad",
           expect='the formula of the local derivative in the _backward of a.tanh()'),
    Mutant("relu returns a detached Value(0) for negative inputs (early return)",
           old='out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")',
           new='if self.data <= 0:\n            return Value(0.0)\n        out = Value(self.data, (self,), "relu")',
           expect='even where the derivative is 0'),
    Mutant("backward with a mutable default topo list (global state across calls)",
           old="    def backward(self):", new="    def backward(self, topo=[]):",
           also=(("        topo, visited = [], set()\n        stack = [(self, False)]",
                  "        visited = set()\n        stack = [(self, False)]"),),
           expect='kept from one call to the next'),
    Mutant("backward keeps its visited set on the class (global state across calls)",
           old="        topo, visited = [], set()\n        stack = [(self, False)]",
           new="        topo = []\n        visited = Value.__dict__.get('_seen') or set()\n        Value._seen = visited\n"
               "        stack = [(self, False)]",
           expect="ran no _backward closure at all"),
    Mutant("exp derivative multiplied by the input too (out.data * self.data)",
           old="self.grad += out.data * out.grad", new="self.grad += out.data * self.data * out.grad",
           expect=("the formula of the local derivative in the _backward of a.exp()", '`a * o` instead of `o`')),
    Mutant("power rule k * x ** (k + 1)",
           old="k * self.data ** (k - 1) * out.grad", new="k * self.data ** (k + 1) * out.grad",
           expect=("the formula of the local derivative in the _backward of a ** 3", '`3 * a ** (3 + 1)` instead of `3 * a ** (3 - 1)`')),
    Mutant("MLP breaks out of its loop after the first layer",
           old="        for layer in self.layers:\n            x = layer(x)\n",
           new="        for layer in self.layers:\n            x = layer(x)\n            break\n",
           expect="returned the output of layer 1 of 3"),
    Mutant("train_step with lr squared",
           old="p.data -= lr * p.grad", new="p.data -= lr * lr * p.grad",
           expect="lr applied twice"),
    Mutant("log derivative second-derivative slip -1/x^2",
           old="self.grad += out.grad / self.data", new="self.grad += -out.grad / self.data ** 2",
           expect='the formula of the local derivative in the _backward of a.log()'),
    Mutant("Neuron sums one input too few (range(len(x) - 1))",
           old="z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)",
           new="z = self.b\n        for i in range(len(x) - 1):\n            z = z + self.w[i] * x[i]",
           expect="leaves out the last input's term"),
    Mutant("MLP skips the last layer (self.layers[:-1])",
           old="        for layer in self.layers:\n            x = layer(x)",
           new="        for layer in self.layers[:-1]:\n            x = layer(x)",
           expect='layer(s) were never applied'),
    Mutant("zero_grad sets self.grad on the module",
           old="        for p in self.parameters():\n            p.grad = 0.0",
           new="        self.grad = 0.0",
           expect='left the grad of all 5 parameters unchanged'),
    Mutant("mse_loss as p**2 - t**2",
           old="(p - t) ** 2 for p, t", new="(p ** 2 - t ** 2) for p, t",
           expect='not a function of the errors pred - target alone'),
    Mutant("train_step model.zero_grad without parentheses",
           old="    model.zero_grad()\n    loss = mse_loss", new="    model.zero_grad\n    loss = mse_loss",
           expect='call model.zero_grad() before backward()'),
    Mutant("train_step updates with the data instead of the gradient",
           old="p.data -= lr * p.grad", new="p.data -= lr * p.data",
           expect="in proportion to the parameter's own value"),
    Mutant("train_step divides the gradient by N again",
           old="p.data -= lr * p.grad", new="p.data -= lr * p.grad / len(xs)",
           expect='divided by the batch size once more'),
    # --- the fifth held-out round of issue 15
    Mutant('__mul__ backward multiplies by out.data instead of out.grad',
           old='            self.grad += other.data * out.grad\n            other.grad += self.data * out.grad',
           new='            self.grad += other.data * out.data\n            other.grad += self.data * out.data',
           expect='not multiplied by out.grad'),
    Mutant('power rule with factor (k - 1) instead of k',
           old='k * self.data ** (k - 1) * out.grad',
           new='(k - 1) * self.data ** (k - 1) * out.grad',
           expect=('The formula of the local derivative in the _backward of a ** 3 is wrong', '`2 * a ** (3 - 1)` instead of `3 * a ** (3 - 1)`')),
    Mutant('log backward multiplies by x instead of dividing',
           old='self.grad += out.grad / self.data',
           new='self.grad += out.grad * self.data',
           expect='log derivative is 1/a, not a'),
    Mutant('exp backward with derivative 1 (self.grad += out.grad)',
           old='self.grad += out.data * out.grad',
           new='self.grad += out.grad',
           expect='which is the constant 1'),
    Mutant('relu mask inverted (self.data < 0)',
           old='(out.data > 0) * out.grad',
           new='(self.data < 0) * out.grad',
           expect="relu's mask is inverted"),
    Mutant('__sub__ as own op, other.grad sign missing (micrograd PR 58 / micrograd_c issue 1)',
           old='return self + (-other)',
           new=('other = other if isinstance(other, Value) else Value(other)\n'
                "        out = Value(self.data - other.data, (self, other), '-')\n"
                '\n'
                '        def _backward():\n'
                '            self.grad += out.grad\n'
                '            other.grad += out.grad\n'
                '        out._backward = _backward\n'
                '        return out'),
           expect='the derivative is -1 (-1 for b)'),
    Mutant('constructor ignores _children (self._prev = set())',
           old='self._prev = set(_children)',
           new='self._prev = set()',
           expect='must remember exactly a and b as its parents'),
    Mutant('constructor stores label in _op (arguments mixed up)',
           old='        self._op = _op\n',
           new='        self._op = label\n',
           expect='must store the op label in _op'),
    Mutant('topo kept as a set (order lost)',
           old='        for node in reversed(topo):\n            node._backward()',
           new='        topo = set(topo)\n        for node in sorted(topo, key=id):\n            node._backward()',
           expect='call _backward in *reverse* topological order'),
    Mutant('Neuron adds w + x instead of w * x',
           old='z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)',
           new='z = sum((wi + xi for wi, xi in zip(self.w, x)), self.b)',
           expect='+ where * belongs'),
    Mutant('MLP applies every layer to the original input',
           old='        for layer in self.layers:\n            x = layer(x)\n        return x[0] if len(x) == 1 else x',
           new='        for layer in self.layers:\n            out = layer(x)\n        return out[0] if len(out) == 1 else out',
           expect='every layer was applied to the original input x'),
    Mutant('zero_grad compares instead of assigning (p.grad == 0.0)',
           old='p.grad = 0.0',
           new='p.grad == 0.0',
           expect='left the grad of all'),
    Mutant('mse_loss over the cross product (nested generator)',
           old='sum((p - t) ** 2 for p, t in zip(preds, targets)) / len(preds)',
           new='sum((p - t) ** 2 for p in preds for t in targets) / len(preds)',
           expect='every prediction meets every target'),   # r16g: the all-pairs reading (was: each term must be the squared error)
    Mutant('train_step hard-codes lr = 0.1',
           old='p.data -= lr * p.grad',
           new='p.data -= 0.1 * p.grad',
           expect='the step does not scale with lr'),
    Mutant('train_step returns loss.grad',
           old='    return loss.data\n',
           new='    return loss.grad\n',
           expect='it does not return the loss'),
    Mutant('tanh derivative 1/cosh(t)^2 (evaluated at the output)',
           old='(1 - t ** 2) * out.grad',
           new='(1 / math.cosh(t) ** 2) * out.grad',
           expect='tanh applied twice in the derivative'),
    Mutant('__pow__ forward multiplies (self.data * k)',
           old='out = Value(self.data ** k, (self,), f"**{k}")',
           new='out = Value(self.data * k, (self,), f"**{k}")',
           expect='the forward value is a * k'),
    Mutant('Layer returns a generator instead of a list',
           old='return [neuron(x) for neuron in self.neurons]',
           new='return (neuron(x) for neuron in self.neurons)',
           expect='must return a list of 2 Values'),
    Mutant('train_step iterates model.parameters without calling it',
           old='    for p in model.parameters():\n        p.data -= lr * p.grad',
           new='    for p in model.parameters:\n        p.data -= lr * p.grad',
           expect='call it with parentheses'),
    Mutant('tanh forward uses math.tan (typo)',
           old='t = math.tanh(self.data)',
           new='t = math.tan(self.data)',
           expect='the forward value is tan(a)'),
    # --- sixth held-out round of issue 15 (measured before the checks named them; the "validation" ones written
    # after the general diagnoses, to see whether those name mistakes nobody wrote down)
    Mutant("__add__ backward: other receives self.grad (already updated) instead of out.grad",
           old="            self.grad += out.grad\n            other.grad += out.grad",
           new="            self.grad += out.grad\n            other.grad += self.grad",
           expect="self.grad or other.grad used where out.grad belongs"),
    Mutant("__pow__ forward on abs(self.data) (to dodge complex numbers)",
           old='out = Value(self.data ** k, (self,), f"**{k}")', new='out = Value(abs(self.data) ** k, (self,), f"**{k}")',
           expect=("evaluated at |a|", "the case a < 0 of your forward computation is wrong")),
    Mutant("__pow__ backward adds out.grad instead of multiplying",
           old="k * self.data ** (k - 1) * out.grad", new="k * self.data ** (k - 1) + out.grad",
           expect="not multiplied by out.grad"),
    Mutant("__rsub__ as -self - other", old="        return other + (-self)", new="        return -self - other",
           expect="enters with the wrong sign"),
    Mutant("__truediv__ as self ** -1 * other (operands swapped)",
           old="return self * other ** -1", new="return self ** -1 * other", expect="the two operands are swapped"),
    Mutant("tanh derivative (1 - t) ** 2", old="(1 - t ** 2) * out.grad", new="(1 - t) ** 2 * out.grad",
           expect=("formula of the local derivative in the _backward of a.tanh()", '`(1 - o) ** 2` instead of `1 - o ** 2`')),
    Mutant("log forward log(1 + a)", old='out = Value(math.log(self.data), (self,), "log")',
           new='out = Value(math.log(self.data + 1), (self,), "log")', expect="evaluated at a + 1"),
    Mutant("leaky relu (slope 0.01 below 0)",
           old='out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")',
           new='out = Value(self.data if self.data > 0 else 0.01 * self.data, (self,), "relu")',
           also=(("self.grad += (out.data > 0) * out.grad", "self.grad += (1.0 if self.data > 0 else 0.01) * out.grad"),),
           expect="the case a < 0 of your forward computation is wrong"),
    Mutant("backward frees the interior grads after each _backward",
           old="        for node in reversed(topo):\n            node._backward()\n",
           new="        for node in reversed(topo):\n            node._backward()\n            if node._prev:\n"
               "                node.grad = 0.0\n",
           expect="reset *after* their _backward had run"),
    Mutant("visited holds ids but membership is tested on the nodes",
           old="            if node in visited:\n                continue\n            visited.add(node)",
           new="            if node in visited:\n                continue\n            visited.add(id(node))",
           expect="test membership with what you add"),
    Mutant("Neuron adds the bias twice",
           old="z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)",
           new="z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b) + self.b",
           expect="the term that uses b"),
    Mutant("MLP.parameters nested per layer",
           old="return [p for layer in self.layers for p in layer.parameters()]",
           new="return [layer.parameters() for layer in self.layers]", expect="not a list that holds lists"),
    Mutant("zero_grad returns inside the loop",
           old="        for p in self.parameters():\n            p.grad = 0.0\n",
           new="        for p in self.parameters():\n            p.grad = 0.0\n            return\n",
           expect="a `return` (or `break`) indented inside the loop"),
    Mutant("mse_loss multiplies by 1 // N (integer division)",
           old="return sum((p - t) ** 2 for p, t in zip(preds, targets)) / len(preds)",
           new="return sum((p - t) ** 2 for p, t in zip(preds, targets)) * (1 // len(preds))",
           expect="integer division"),
    Mutant("train_step calls loss.backward() twice",
           old="    loss.backward()\n    for p in model.parameters():",
           new="    loss.backward()\n    loss.backward()\n    for p in model.parameters():",
           expect="a second loss.backward()"),
    Mutant("validation: __add__ forward subtracts",
           old='out = Value(self.data + other.data, (self, other), "+")',
           new='out = Value(self.data - other.data, (self, other), "+")',
           expect="input 2 (other.data) enters with the wrong sign"),
    Mutant("validation: exp forward of -a", old='out = Value(math.exp(self.data), (self,), "exp")',
           new='out = Value(math.exp(-self.data), (self,), "exp")', expect="evaluated at -a"),
    Mutant("validation: relu forward as abs", old='out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")',
           new='out = Value(abs(self.data), (self,), "relu")', expect="evaluated at |a|"),
    Mutant("validation: zero_grad skips the first parameter",
           old="        for p in self.parameters():\n            p.grad = 0.0\n",
           new="        for p in self.parameters()[1:]:\n            p.grad = 0.0\n", expect="the loop starts too late"),
    Mutant("validation: mse_loss divides by N * N",
           old="return sum((p - t) ** 2 for p, t in zip(preds, targets)) / len(preds)",
           new="return sum((p - t) ** 2 for p, t in zip(preds, targets)) / (len(preds) * len(preds))",
           expect="you divided by N*N"),
    Mutant("validation: Neuron multiplies every weight by x[0]",
           old="z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)",
           new="z = sum((wi * x[0] for wi in self.w), self.b)", expect="the term that uses w and x"),
    Mutant("validation: train_step halves the step", old="        p.data -= lr * p.grad\n",
           new="        p.data -= lr * p.grad / 2\n", expect="the factor 0.5 is in the update line"),
    # Held-out measurement after round 6: it cost ten cells, each saying "a Value has no attribute _prev".
    Mutant("constructor stores _children as one tuple ({_children})", old="self._prev = set(_children)",
           new="self._prev = {_children}", expect="stores _children as ONE element"),
    # round 7: the measurement's wrong causes and blast, now named in their own cell
    Mutant("r7: relu forward returns the step float(x > 0)",
           old='out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")',
           new='out = Value(float(self.data > 0), (self,), "relu")', expect="relu returns 1 for a positive input"),
    Mutant("r7: backward marks a node visited before testing it (every node skipped)",
           old="            if node in visited:\n                continue\n            visited.add(node)\n",
           new="            visited.add(node)\n            if node in visited:\n                continue\n",
           expect="ran no _backward closure at all"),
    Mutant("r7: backward returns early when the root already has a gradient",
           old="        topo, visited = [], set()\n        stack = [(self, False)]",
           new="        if self.grad != 0:\n            return\n        topo, visited = [], set()\n        stack = [(self, False)]",
           expect="does nothing when the root's grad is already non-zero"),
    Mutant("r7: MLP applies the layers in reverse order", old="        for layer in self.layers:\n            x = layer(x)\n",
           new="        for layer in reversed(self.layers):\n            x = layer(x)\n", expect="in reverse order"),
    Mutant("r7: zero_grad resets only positive grads", old="        for p in self.parameters():\n            p.grad = 0.0\n",
           new="        for p in self.parameters():\n            if p.grad > 0:\n                p.grad = 0.0\n",
           expect="a condition on the grad's sign"),
    Mutant("r7: mse_loss returns the RMSE",
           old="return sum((p - t) ** 2 for p, t in zip(preds, targets)) / len(preds)",
           new="return (sum((p - t) ** 2 for p, t in zip(preds, targets)) / len(preds)) ** 0.5",
           expect="square root of the mean squared error"),
    Mutant("r7: train_step p.data = -lr * p.grad (= for -=)", old="p.data -= lr * p.grad", new="p.data = -lr * p.grad",
           expect="= where -= belongs"),
    Mutant("r7: __pow__ records the exponent k among the parents",
           old='out = Value(self.data ** k, (self,), f"**{k}")', new='out = Value(self.data ** k, (self, k), f"**{k}")',
           expect="the exponent of a ** k is not a parent"),
    Mutant("r7: backward resets the grads of topo[:-1] only (the root never reset)",
           old="        for node in topo:\n            if node._prev:", new="        for node in topo[:-1]:\n            if node._prev:",
           expect="the reset loop leaves out the root"),
    # round 7 held-out set (measured before the fixes: see the round-7 report)
    Mutant("r7 held-out: mul backward multiplies by other.grad (grad for data)",
           old="            self.grad += other.data * out.grad\n", new="            self.grad += other.grad * out.grad\n",
           expect="your local derivative is other.grad"),
    Mutant("r7 held-out: Neuron applies tanh before adding b",
           old='        if self.act == "tanh":\n            return z.tanh()',
           new='        if self.act == "tanh":\n            return (z - self.b).tanh() + self.b',
           expect="the bias b is added after the activation"),
    Mutant("r7 held-out: __add__ re-wraps a Value other as a new leaf (Value(other.data))",
           old='        other = other if isinstance(other, Value) else Value(other)\n        out = Value(self.data + other.data, (self, other), "+")',
           new='        other = Value(other.data if isinstance(other, Value) else other)\n        out = Value(self.data + other.data, (self, other), "+")',
           expect="is it used through its .data"),
    Mutant("r7 held-out: exp result does not record its input", old='out = Value(math.exp(self.data), (self,), "exp")',
           new='out = Value(math.exp(self.data), (), "exp")', expect="the result has no parents"),
    Mutant("r7 held-out: zero_grad iterates self.parameters without calling it",
           old="        for p in self.parameters():\n            p.grad = 0.0\n", new="        for p in self.parameters:\n            p.grad = 0.0\n",
           expect="without calling it"),
    Mutant("r7 held-out: train_step feeds the predictions' .data to the loss",
           old="loss = mse_loss([model(x) for x in xs], ys)", new="loss = mse_loss([model(x).data for x in xs], ys)",
           expect="the predictions were turned into numbers"),
    Mutant("r7 held-out: exp backward overwrites (= for +=)", old="self.grad += out.data * out.grad",
           new="self.grad = out.data * out.grad", expect="not be overwritten with ="),
    Mutant("r7 held-out: Neuron 'linear' applies relu", old="            return z.relu()\n        return z\n",
           new="            return z.relu()\n        return z.relu()\n", expect="the activation 'linear' is ignored"),
    Mutant("r7 held-out: mse_loss returns the float .data",
           old="return sum((p - t) ** 2 for p, t in zip(preds, targets)) / len(preds)",
           new="return (sum((p - t) ** 2 for p, t in zip(preds, targets)) / len(preds)).data", expect="must return a Value"),
    Mutant("r7 held-out: train_step's loss on the first sample only", old="loss = mse_loss([model(x) for x in xs], ys)",
           new="loss = mse_loss([model(xs[0])], [ys[0]])", expect="the first sample alone"),
    Mutant("r7 held-out: Neuron.parameters returns self.w + self.b (bias not in a list)",
           old="return self.w + [self.b]", new="return self.w + self.b", expect="put the one Value in brackets"),
    Mutant("r7 held-out: tanh closure reads t after it is rebound to the result Value",
           old='        t = math.tanh(self.data)\n        out = Value(t, (self,), "tanh")',
           new='        t = math.tanh(self.data)\n        out = t = Value(t, (self,), "tanh")', expect=".grad is a Value, not a number"),
    # round 8: the round-7 measurement's mistakes
    Mutant("r8: Neuron.parameters returns copies of the Values",
           old="return self.w + [self.b]", new="return [Value(p.data) for p in self.w + [self.b]]",
           expect="(copies), not the Values themselves"),
    Mutant("r8: __mul__ wraps other in a Value unconditionally",
           old='        other = other if isinstance(other, Value) else Value(other)\n        out = Value(self.data * other.data, (self, other), "*")',
           new='        other = Value(other)\n        out = Value(self.data * other.data, (self, other), "*")',
           expect="__mul__ wraps other in Value(...) even when it already is a Value"),
    Mutant("r8: __mul__ forward adds the data", old='out = Value(self.data * other.data, (self, other), "*")',
           new='out = Value(self.data + other.data, (self, other), "*")', expect="which is a + b at every input tried"),
    Mutant("r8: log forward with math.log2", old='out = Value(math.log(self.data), (self,), "log")',
           new='out = Value(math.log2(self.data), (self,), "log")', expect="a base-2 logarithm, math.log2"),
    Mutant("r8: backward replaces each closure by a no-op after use",
           old="        for node in reversed(topo):\n            node._backward()\n",
           new="        for node in reversed(topo):\n            node._backward()\n            node._backward = lambda: None\n",
           expect="replaced or reset each node's _backward after using it"),
    Mutant("r8: Layer unwraps a single output (micrograd's Layer)",
           old="return [neuron(x) for neuron in self.neurons]",
           new="outs = [neuron(x) for neuron in self.neurons]\n        return outs[0] if len(outs) == 1 else outs",
           expect="returned a single Value, not a list of 1 Value"),
    Mutant("r8: Layer.parameters with sum() of lists without a [] start",
           old="return [p for neuron in self.neurons for p in neuron.parameters()]",
           new="return sum(neuron.parameters() for neuron in self.neurons)", expect="sum() of lists"),
    Mutant("r8: Module.zero_grad loops over self.layers",
           old="        for p in self.parameters():\n            p.grad = 0.0\n",
           new="        for layer in self.layers:\n            for p in layer.parameters():\n                p.grad = 0.0\n",
           expect="zero_grad reads self.layers, which Module does not define"),
    Mutant("r8: train_step shuffles xs in place", old="    model.zero_grad()\n    loss = mse_loss",
           new="    np.random.shuffle(xs)\n    model.zero_grad()\n    loss = mse_loss", expect=("its samples were reordered in place", "the pairs (x, y) were broken")),
    # round 9 held-out set (r9c)
    Mutant('r9 held-out: tanh backward forgets out.grad',
           old='self.grad += (1 - t ** 2) * out.grad',
           new='self.grad += 1 - t ** 2',
           expect='not multiplied by out.grad'),
    Mutant('r9 held-out: log backward forgets out.grad (1 / self.data)',
           old='self.grad += out.grad / self.data',
           new='self.grad += 1 / self.data',
           expect='not multiplied by out.grad'),
    Mutant('r9 held-out: backward pops a node again without skipping visited ones',
           old='            if node in visited:\n                continue\n            visited.add(node)',
           new='            visited.add(node)',
           expect='ran more than once'),
    Mutant('r9 held-out: Neuron loop z = wi * xi + b keeps the last product only',
           old='z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)',
           new='z = self.b\n        for wi, xi in zip(self.w, x):\n            z = wi * xi + self.b',
           expect='only the last product'),
    Mutant('r9 held-out: Layer returns a generator, not a list',
           old='return [neuron(x) for neuron in self.neurons]',
           new='return (neuron(x) for neuron in self.neurons)',
           expect='must return a list of 2 Values'),
    Mutant('r9 held-out: zero_grad compares instead of assigning (p.grad == 0.0)',
           old='        for p in self.parameters():\n            p.grad = 0.0\n',
           new='        for p in self.parameters():\n            p.grad == 0.0\n',
           expect='left the grad of all'),
    Mutant('r9 held-out: mse_loss with * 2 typed for ** 2',
           old='(p - t) ** 2 for p, t',
           new='(p - t) * 2 for p, t',
           expect='the errors are not squared'),
    Mutant('r9 held-out: train_step clips each gradient to [-1, 1]',
           old='p.data -= lr * p.grad',
           new='p.data -= lr * max(-1.0, min(1.0, p.grad))',
           expect='clipped to [-1, 1]'),
    Mutant('r9 held-out: __init__ stores label as _op and _op as label',
           old='        self._op = _op\n',
           new='        self._op = label\n',
           also=(('        self.label = label\n', '        self.label = _op\n'),),
           expect='must store the op label in _op'),
    Mutant('r9 held-out: relu backward mask inverted (self.data < 0)',
           old='self.grad += (out.data > 0) * out.grad',
           new='self.grad += (self.data < 0) * out.grad',
           expect='mask is inverted'),
    Mutant('r9 held-out: __rmul__ returns a fresh leaf Value(other * self.data)',
           old='        return self * other\n',
           new='        return Value(other * self.data)\n',
           expect='the result has no parents'),
    Mutant('r9 held-out: MLP feeds every layer the original input x',
           old='        for layer in self.layers:\n            x = layer(x)\n        return x[0] if len(x) == 1 else x',
           new='        for layer in self.layers:\n            out = layer(x)\n        return out[0] if len(out) == 1 else out',
           expect='every layer was applied to the original input'),
    Mutant('r9 held-out: train_step pairs the targets with reversed(xs)',
           old='loss = mse_loss([model(x) for x in xs], ys)',
           new='loss = mse_loss([model(x) for x in reversed(xs)], ys)',
           expect='the pairs (x, y) were broken'),
    Mutant('r9 held-out: exp backward divides by out.data',
           old='self.grad += out.data * out.grad',
           new='self.grad += out.grad / out.data',
           expect='1 / out.data'),
    Mutant('r9: __truediv__ by a plain number with 1 // other',
           old='return self * other ** -1',
           new='if not isinstance(other, Value):\n            return self * (1 // other)\n        return self * other ** -1',
           expect='floor division'),
    Mutant('r9: backward pushes the post-order marker after the parents',
           old='            visited.add(node)\n            stack.append((node, True))\n            for parent in node._prev:\n                if parent not in visited:\n                    stack.append((parent, False))\n',
           new='            visited.add(node)\n            for parent in node._prev:\n                if parent not in visited:\n                    stack.append((parent, False))\n            stack.append((node, True))\n',
           expect='BEFORE its parents'),
    Mutant("r9 held-out: __add__ backward multiplies other's gradient by other.data",
           old='            self.grad += out.grad\n            other.grad += out.grad\n',
           new='            self.grad += out.grad\n            other.grad += other.data * out.grad\n',
           expect='(other.data) itself, not the derivative'),
    Mutant('r9 held-out: tanh backward uses out.grad where t belongs',
           old='self.grad += (1 - t ** 2) * out.grad',
           new='self.grad += (1 - out.grad ** 2) * out.grad',
           expect='`1 - g ** 2` instead of `1 - o ** 2`'),
    Mutant('r9 held-out: backward names node._backward without calling it',
           old='        for node in reversed(topo):\n            node._backward()\n',
           new='        for node in reversed(topo):\n            node._backward\n',
           expect='ran no _backward closure at all'),
    Mutant('r9 held-out: Neuron pairs w with x shifted by one',
           old='z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)',
           new='z = sum((wi * xi for wi, xi in zip(self.w, list(x[1:]) + list(x[:1]))), self.b)',
           expect="multiplied by another input's weight"),
    Mutant('r9 held-out: MLP.parameters skips the first layer',
           old='return [p for layer in self.layers for p in layer.parameters()]',
           new='return [p for layer in self.layers[1:] for p in layer.parameters()]',
           expect='all those of layer(s) [1]'),
    Mutant('r9 held-out: mse_loss sums all but the last squared error',
           old='return sum((p - t) ** 2 for p, t in zip(preds, targets)) / len(preds)',
           new='return sum([(p - t) ** 2 for p, t in zip(preds, targets)][:-1], Value(0.0)) / len(preds)',
           expect="the last sample's squared error is left out"),
    Mutant('r9 held-out: train_step decays lr inside the update loop',
           old='        p.data -= lr * p.grad\n',
           new='        p.data -= lr * p.grad\n        lr *= 0.99\n',
           expect='lr multiplied by 0.99 after each parameter'),
    Mutant('r9 held-out: power rule multiplied by out.data instead of out.grad',
           old='self.grad += k * self.data ** (k - 1) * out.grad',
           new='self.grad += k * self.data ** (k - 1) * out.data',
           expect='not multiplied by out.grad'),
    Mutant('r9 held-out: relu backward multiplies by self.grad instead of out.grad',
           old='self.grad += (out.data > 0) * out.grad',
           new='self.grad += (out.data > 0) * self.grad',
           expect='self.grad or other.grad used where out.grad belongs'),
    # round 9b: the post-round-9 measurement's mistakes
    Mutant('r9b held-out: __mul__ backward as out.data / self.data (divides by zero at 0)',
           old='            self.grad += other.data * out.grad\n            other.grad += self.data * out.grad\n',
           new='            self.grad += out.data / self.data * out.grad\n            other.grad += out.data / other.data * out.grad\n',
           expect='a * b with a = 0 divides by zero in its _backward'),
    Mutant('r9b held-out: a leaf gets _backward = None (costs only value_init)',
           old='self._backward = lambda: None   # a leaf has nothing to propagate to',
           new='self._backward = None',
           expect='a leaf needs a _backward that does nothing'),
    # round 10: the r10c measurement's mistakes (each a new mechanism)
    Mutant('r10: tanh forward precedence slip exp(2x) - 1 / (exp(2x) + 1) (overflows in train_step: not charged there)',
           old='        t = math.tanh(self.data)\n',
           new='        e2 = math.exp(2 * self.data)\n        t = e2 - 1 / (e2 + 1)\n',
           expect='the value of a.tanh()'),
    Mutant('r10: __mul__ backward adds both partials to self (the other.grad line copy-pasted)',
           old='            self.grad += other.data * out.grad\n            other.grad += self.data * out.grad\n',
           new='            self.grad += other.data * out.grad\n            self.grad += self.data * out.grad\n',
           expect='this input received both partials'),
    Mutant('r10: power rule with abs(k) (the sign lost for negative exponents)',
           old='self.grad += k * self.data ** (k - 1) * out.grad',
           new='self.grad += abs(k) * self.data ** (k - 1) * out.grad',
           expect='the sign of the exponent is lost'),
    Mutant("r10: Layer.parameters appends the bias after the loop (the last neuron's only)",
           old='return [p for neuron in self.neurons for p in neuron.parameters()]',
           new='params = []\n        for neuron in self.neurons:\n            params += neuron.w\n        params.append(neuron.b)\n        return params',
           expect='Layer.parameters() (layer 1 of 3, 4 neurons) leaves out the bias of neuron(s) [1, 2, 3]'),
    Mutant('r10: MLP passes .data between layers (earlier layers cut from the graph)',
           old='        for layer in self.layers:\n            x = layer(x)\n        return x[0] if len(x) == 1 else x',
           new='        for layer in self.layers[:-1]:\n            x = [v.data for v in layer(x)]\n        x = self.layers[-1](x)\n        return x[0] if len(x) == 1 else x',
           expect='does not depend on the parameters of layer(s) [1, 2] of 3'),
    Mutant("r10: zero_grad resets the weights only (p.label == 'w')",
           old='        for p in self.parameters():\n            p.grad = 0.0\n',
           new="        for p in self.parameters():\n            if p.label == 'w':\n                p.grad = 0.0\n",
           expect='left exactly the biases untouched'),
    Mutant('r10: train_step zero_grad at the end instead of the start',
           old='    model.zero_grad()\n    loss = mse_loss([model(x) for x in xs], ys)\n    loss.backward()\n    for p in model.parameters():\n        p.data -= lr * p.grad\n',
           new='    loss = mse_loss([model(x) for x in xs], ys)\n    loss.backward()\n    for p in model.parameters():\n        p.data -= lr * p.grad\n    model.zero_grad()\n',
           expect='were not reset before backward()'),
    Mutant('r10: train_step leaves out the last sample (xs[:-1])',
           old='loss = mse_loss([model(x) for x in xs], ys)', new='loss = mse_loss([model(x) for x in xs[:-1]], ys)',
           expect='without the last one'),
    Mutant('r10: backward resets the interior grads after the closures ran (the root kept)',
           old='        for node in topo:\n            if node._prev:\n                node.grad = 0.0   # interior node: forget what a previous call left there\n        self.grad += 1.0\n        for node in reversed(topo):\n            node._backward()\n',
           new='        self.grad = 1.0\n        for node in reversed(topo):\n            node._backward()\n        for node in topo:\n            if node._prev and node is not self:\n                node.grad = 0.0\n',
           expect='were reset *after* the closures had run'),
    Mutant('r10: backward follows only the first parent of each node (backward_repeat judged on a chain)',
           old='            for parent in node._prev:\n                if parent not in visited:',
           new='            for parent in list(node._prev)[:1]:\n                if parent not in visited:',
           expect='_backward was never called for'),
    Mutant('r10: backward stack.pop(0) (a queue: breadth-first, not topological)',
           old='            node, parents_done = stack.pop()\n', new='            node, parents_done = stack.pop(0)\n',
           expect='in order of their distance from the root'),
    # round 11 held-out set (m11c), named after the measurement
    Mutant('r11 held-out: tanh forward cut off at |a| >= 20 (a large negative a gives +1)',
           old='        t = math.tanh(self.data)\n', new='        t = math.tanh(self.data) if abs(self.data) < 20 else 1.0\n',
           expect='does your forward cut off or clip large inputs'),
    Mutant('r11 held-out: __pow__ forward computes k ** self.data (a / b then complex: power cell only)',
           old='out = Value(self.data ** k, (self,), f"**{k}")', new='out = Value(k ** self.data, (self,), f"**{k}")',
           expect='base and exponent swapped'),
    Mutant('r11 held-out: __mul__ backward as one tuple assignment (a * a keeps one term)',
           old='            self.grad += other.data * out.grad\n            other.grad += self.data * out.grad\n',
           new='            self.grad, other.grad = self.grad + other.data * out.grad, other.grad + self.data * out.grad\n',
           expect='the second update overwrites the first'),
    Mutant('r11 held-out: train_step seeds the loss and runs only loss._backward()',
           old='    loss.backward()\n    for p in model.parameters():',
           new='    loss.grad = 1.0\n    loss._backward()\n    for p in model.parameters():',
           expect='every p.grad is still 0'),
    Mutant('r11 held-out: train_step feeds the whole batch to the model (model(xs))',
           old='    loss = mse_loss([model(x) for x in xs], ys)\n', new='    loss = mse_loss(model(xs), ys)\n',
           expect='when it is given the whole batch at once, model(xs)'),
    Mutant('r11 held-out: train_step updates after every sample (online SGD)',
           old='    model.zero_grad()\n    loss = mse_loss([model(x) for x in xs], ys)\n    loss.backward()\n    for p in model.parameters():\n        p.data -= lr * p.grad\n    return loss.data\n',
           new='    for x, y in zip(xs, ys):\n        model.zero_grad()\n        loss = mse_loss([model(x)], [y])\n        loss.backward()\n        for p in model.parameters():\n            p.data -= lr * p.grad\n    return loss.data\n',
           expect='updated after every sample'),
    Mutant('r11 held-out: train_step multiplies the step by N (the loss is the mean)',
           old='        p.data -= lr * p.grad\n', new='        p.data -= lr * p.grad * len(xs)\n',
           expect='the factor N is not in the loss but in the update'),
    # round 12 held-out set (m12c), named after the measurement
    Mutant('r12 held-out: Neuron weights as [Value(...)] * nin (one Value repeated)',
           old='        self.w = [Value(rng.uniform(-1, 1) / math.sqrt(nin), label="w") for _ in range(nin)]',
           new='        self.w = [Value(rng.uniform(-1, 1) / math.sqrt(nin), label="w")] * nin',
           expect='holds the same Value object'),
    Mutant('r12 held-out: Neuron bias as a class attribute (one bias shared by every neuron)',
           old='        self.b = Value(0.0, label="b")\n        self.act = act', new='        self.act = act',
           also=(("class Neuron(Module):\n", 'class Neuron(Module):\n    b = Value(0.0, label="b")\n'),),
           expect='two Neurons share one bias Value'),
    Mutant('r12 held-out: Neuron weights stored as plain floats (mlp and train_step judged on Values)',
           old='        self.w = [Value(rng.uniform(-1, 1) / math.sqrt(nin), label="w") for _ in range(nin)]',
           new='        self.w = list(rng.uniform(-1, 1, size=nin) / math.sqrt(nin))',
           expect='holds plain numbers'),
    Mutant('r12 held-out: Layer builds nin neurons of nout inputs (sizes swapped: mlp cell only)',
           old='        self.neurons = [Neuron(nin, act, rng) for _ in range(nout)]',
           new='        self.neurons = [Neuron(nout, act, rng) for _ in range(nin)]',
           expect='must return a list of 2 Values'),
    Mutant('r12 held-out: Layer does not pass act on (every neuron tanh)',
           old='        self.neurons = [Neuron(nin, act, rng) for _ in range(nout)]',
           new='        self.neurons = [Neuron(nin, rng=rng) for _ in range(nout)]',
           expect='Layer.__init__ does not pass act on'),
    Mutant("r12 held-out: MLP last layer linear (micrograd's nonlin=i != len(nouts) - 1)",
           old='        self.layers = [Layer(sizes[i], sizes[i + 1], act, rng) for i in range(len(nouts))]',
           new='        self.layers = [Layer(sizes[i], sizes[i + 1], act if i != len(nouts) - 1 else "linear", rng) '
               'for i in range(len(nouts))]',
           expect='the last layer is linear'),
    Mutant('r12 held-out: MLP.parameters returns a generator expression',
           old='        return [p for layer in self.layers for p in layer.parameters()]',
           new='        return (p for layer in self.layers for p in layer.parameters())',
           expect='not a list'),
    Mutant('r12 held-out: a new Value starts with grad None (value_init cell only)',
           old='        self.grad = 0.0\n', new='        self.grad = None\n',
           expect='must be a number, got NoneType'),
    Mutant('r12 held-out: backward resets each interior grad right before its _backward',
           old='        for node in reversed(topo):\n            node._backward()',
           new='        for node in reversed(topo):\n            if node._prev and node is not self:\n'
               '                node.grad = 0.0\n            node._backward()',
           expect='erased on the way down'),
    Mutant('r12 held-out: exp forward with math.expm1',
           old='        out = Value(math.exp(self.data), (self,), "exp")',
           new='        out = Value(math.expm1(self.data), (self,), "exp")',
           expect='math.expm1'),
    # round 13 held-out set (r13c; micrograd issues 25/32/53 on what zero_grad resets, the momentum habit of
    # optimiser code, the power rule confused with the derivative in the exponent)
    Mutant("r13 held-out: train_step keeps a momentum velocity on each Value (p.v)",
           old="    for p in model.parameters():\n        p.data -= lr * p.grad\n    return loss.data",
           new="    for p in model.parameters():\n        p.v = 0.9 * getattr(p, 'v', 0.0) + p.grad\n"
               "        p.data -= lr * p.v\n    return loss.data",
           expect="momentum"),
    Mutant("r13 held-out: train_step zeroes only the first layer's gradients",
           old="    model.zero_grad()\n    loss = mse_loss",
           new="    model.layers[0].zero_grad()\n    loss = mse_loss",
           expect="are not reset between steps (the other parameters' gradients were reset)"),
    Mutant("r13 held-out: power rule as the derivative in the exponent (out.data * log(self.data): mse not charged)",
           old="self.grad += k * self.data ** (k - 1) * out.grad",
           new="self.grad += out.data * math.log(self.data) * out.grad",
           expect="derivative with respect to the EXPONENT"),
    Mutant("r13 held-out: Layer.parameters with the comprehension's for clauses in the wrong order",
           old="return [p for neuron in self.neurons for p in neuron.parameters()]",
           new="return [p for p in neuron.parameters() for neuron in self.neurons]",
           expect="the for clauses of a comprehension run left to right"),
    Mutant("r13: train_step returns inside the parameter-update loop (one parameter updated)",
           old="    for p in model.parameters():\n        p.data -= lr * p.grad\n    return loss.data",
           new="    for p in model.parameters():\n        p.data -= lr * p.grad\n        return loss.data",
           expect="only ONE of the"),
    Mutant("r13: train_step halves lr after the first call (state on the model: named as state kept)",
           old="    for p in model.parameters():\n        p.data -= lr * p.grad\n    return loss.data",
           new="    lr = lr * getattr(model, 'decay', 1.0)\n    model.decay = 0.5\n"
               "    for p in model.parameters():\n        p.data -= lr * p.grad\n    return loss.data",
           expect="something is kept from one call to the next"),
    Mutant("r13 held-out: __rsub__ as other - self (recursion: the fix for __rsub__ named, not __radd__'s)",
           old="        return other + (-self)\n", new="        return other - self\n",
           expect="calls __rsub__ again"),
    Mutant("r13 held-out: exp stores _backward() (the closure called, not attached)",
           old="            self.grad += out.data * out.grad\n        out._backward = _backward",
           new="            self.grad += out.data * out.grad\n        out._backward = _backward()",
           expect="stored what CALLING its closure returns"),
    Mutant("r13: __mul__ stores _backward() (the closure called, not attached)",
           old="            other.grad += self.data * out.grad\n        out._backward = _backward",
           new="            other.grad += self.data * out.grad\n        out._backward = _backward()",
           expect="stored what CALLING its closure returns"),
    Mutant("r13: power rule through exp and log (k * exp((k - 1) log a): undefined for a negative a)",
           old="self.grad += k * self.data ** (k - 1) * out.grad",
           new="self.grad += k * math.exp((k - 1) * math.log(self.data)) * out.grad",
           expect="undefined there"),
    Mutant("r13: __rtruediv__ as other / self (recursion)",
           old="        return other * self ** -1\n", new="        return other / self\n",
           expect="calls __rtruediv__ again"),
    # round 13 second set (r13c, written after the fixes)
    Mutant("r13 second set: train_step steps by the sign of the gradient (sign SGD)",
           old="p.data -= lr * p.grad", new="p.data -= lr * (1.0 if p.grad > 0 else -1.0 if p.grad < 0 else 0.0)",
           expect="the sign of the gradient alone"),
    Mutant("r13 second set: zero_grad deletes p.grad",
           old="        for p in self.parameters():\n            p.grad = 0.0\n",
           new="        for p in self.parameters():\n            del p.grad\n",
           expect="zero_grad deleted it"),
    # round 13 phase B (r13g): the m13c measurement's unnamed or cross-function probes
    Mutant("r13g: log backward divides by self.grad (grad for data; raises when it holds 0)",
           old="self.grad += out.grad / self.data", new="self.grad += out.grad / self.grad",
           expect=("depends on the .grad the inputs already held", "and it raises when they hold 0",
                   "self.grad read where a .data belongs")),
    Mutant("r13g: Neuron wraps each input in a new Value (fails on hidden layers)",
           old="z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)",
           new="z = sum((wi * Value(xi) for wi, xi in zip(self.w, x)), self.b)",
           expect=("already a Value was wrapped again", "Value(xi) on an input")),
    Mutant("r13g: __radd__ returns a float (other + self.data; mse judged with the documented __radd__)",
           old="        return self + other\n", new="        return other + self.data\n",
           expect="number + a (__radd__) must return a Value"),
    # round 13 phase B second set (r13g, written after the fixes)
    Mutant("r13g second set: tanh backward reads t from self.grad",
           old="self.grad += (1 - t ** 2) * out.grad", new="self.grad += (1 - self.grad ** 2) * out.grad",
           expect=("depends on the .grad the inputs already held", "self.grad read where a .data belongs")),
    Mutant("r13g second set: Layer wraps the inputs in Values for every neuron",
           old="return [neuron(x) for neuron in self.neurons]",
           new="return [neuron([Value(xi) for xi in x]) for neuron in self.neurons]",
           expect="already a Value was wrapped again"),
    # round 14 held-out (m14c, fixed by r14g)
    Mutant("r14 held-out: _prev a class attribute updated in place (one set shared by every Value)",
           old="        self._prev = set(_children)\n",
           new="        Value._prev = getattr(Value, '_prev', set())\n        self._prev.update(_children)\n",
           expect="every Value shares ONE _prev"),
    Mutant("r14g: _prev = set() in the class body, extended with |= (shared by every Value)",
           old="        self._prev = set(_children)\n",
           new="        self._prev |= set(_children)\n",
           also=(("    def __init__(self, data, _children=(), _op=\"\", label=\"\"):\n",
                  "    _prev = set()\n\n    def __init__(self, data, _children=(), _op=\"\", label=\"\"):\n"),),
           expect="every Value shares ONE _prev"),
    Mutant("r14 held-out: __mul__ multiplies self.data in place and returns self",
           old='        out = Value(self.data * other.data, (self, other), "*")\n',
           new='        self.data *= other.data\n        out = self\n',
           expect="an operation must create a new Value"),
    Mutant("r14g: __add__ adds into self.data and returns self",
           old='        out = Value(self.data + other.data, (self, other), "+")\n',
           new='        self.data += other.data\n        out = self\n',
           expect="an operation must create a new Value"),
    Mutant("r14 held-out: Neuron.parameters appends the bias to self.w in place",
           old="        return self.w + [self.b]\n",
           new="        self.w.append(self.b)\n        return self.w\n",
           expect="parameters() changed the neuron"),
    Mutant("r14g: Neuron.parameters extends self.w with += [self.b]",
           old="        return self.w + [self.b]\n",
           new="        self.w += [self.b]\n        return self.w\n",
           expect="parameters() changed the neuron"),
    Mutant("r14 held-out: backward calls self._backward() for every node (node -> self typo)",
           old="        for node in reversed(topo):\n            node._backward()",
           new="        for node in reversed(topo):\n            self._backward()",
           expect="the root's _backward ran"),
    Mutant("r14 held-out: __neg__ as the reciprocal (self ** -1)",
           old="        return self * -1\n", new="        return self ** -1\n",
           expect="-a computed the reciprocal 1 / a"),
    Mutant("r14 held-out: __truediv__ as (self * other) ** -1 (parentheses slip)",
           old="        return self * other ** -1\n", new="        return (self * other) ** -1\n",
           expect="a / b computed 1 / (a * b)"),
    Mutant("r14 held-out: __rtruediv__ as self ** -1 / other (divides by other as well)",
           old="        return other * self ** -1\n", new="        return self ** -1 / other\n",
           expect="number / a computed 1 / (number * a)"),
    Mutant("r14g: __rtruediv__ leaves the number out (self ** -1)",
           old="        return other * self ** -1\n", new="        return self ** -1\n",
           expect="number / a computed 1 / a"),
    Mutant("r14 held-out: Layer feeds neuron i only input x[i] (zip over neurons and inputs)",
           old="return [neuron(x) for neuron in self.neurons]",
           new="return [neuron([xi]) for neuron, xi in zip(self.neurons, x)]",
           expect="neuron i was given only the input x[i]"),
    Mutant("r14 held-out: train_step divides by the learning rate",
           old="        p.data -= lr * p.grad\n", new="        p.data -= p.grad / lr\n",
           expect="the step is p.grad / lr"),
    Mutant("r14 held-out: mse_loss via np.mean (a NumPy integer count meets __truediv__'s other ** -1)",
           old="return sum((p - t) ** 2 for p, t in zip(preds, targets)) / len(preds)",
           new="return np.mean([(p - t) ** 2 for p, t in zip(preds, targets)])",
           expect="a NumPy integer (np.int64) was raised to a negative power"),
]

VARIANTS = [
    Variant("np.tanh instead of math.tanh", old="t = math.tanh(self.data)", new="t = np.tanh(self.data)"),
    Variant("tanh composed from exp, + and /", old=_TANH,
            new="        e2 = (2 * self).exp()\n        return (e2 - 1) / (e2 + 1)\n"),
    Variant("_prev as a tuple", old="self._prev = set(_children)", new="self._prev = tuple(_children)"),
    # Set arithmetic on their own _prev sets: the checks' tuple-_prev graphs make it raise, and the
    # checks then judge the graph with the constructor's own sets (correct code keeps full marks).
    Variant("parents pushed by set difference (node._prev - visited)",
            old="            for parent in node._prev:\n                if parent not in visited:\n"
                "                    stack.append((parent, False))\n",
            new="            for parent in node._prev - visited:\n                stack.append((parent, False))\n"),
    Variant("Kahn's algorithm instead of depth-first search", old=_DFS, new=_KAHN),
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
    Variant("gradients kept as float32", old="self.grad = 0.0\n        self._prev", new="self.grad = np.float32(0.0)\n        self._prev"),
    Variant("_prev as a list", old="self._prev = set(_children)", new="self._prev = list(_children)"),
    Variant("exp derivative recomputed with math.exp",
            old="self.grad += out.data * out.grad", new="self.grad += math.exp(self.data) * out.grad"),
    Variant("relu derivative from the input", old="(out.data > 0) * out.grad", new="(self.data > 0) * out.grad"),
    Variant("reverse order by slicing", old="for node in reversed(topo):", new="for node in topo[::-1]:"),
    Variant("MSE with (t - p) ** 2", old="(p - t) ** 2 for p, t", new="(t - p) ** 2 for p, t"),
    Variant("train_step resetting the gradients by hand",
            old="    model.zero_grad()\n    loss = mse_loss",
            new="    for p in model.parameters():\n        p.grad = 0.0\n    loss = mse_loss"),
    Variant("neuron with the bias added last",
            old="z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)",
            new="z = sum(wi * xi for wi, xi in zip(self.w, x)) + self.b"),
    Variant("data stored as given (no float())", old="self.data = float(data)", new="self.data = data"),
    Variant("recursive topological sort under a raised recursion limit", old=_DFS,
            new=_RECURSIVE.replace("        build_topo(self)\n",
                                   "        import sys\n        sys.setrecursionlimit(max(sys.getrecursionlimit(), 100000))\n"
                                   "        build_topo(self)\n")),
    # --- held-out round of issue 15
    Variant("__radd__ through Value.__add__", old="return self + other", new="return Value.__add__(self, other)"),
    Variant("__rtruediv__ as Value(other) / self", old="return other * self ** -1", new="return Value(other) / self"),
    Variant("visited set of ids",
            old="            if node in visited:\n                continue\n            visited.add(node)",
            new="            if id(node) in visited:\n                continue\n            visited.add(id(node))",
            also=(("                if parent not in visited:", "                if id(parent) not in visited:"),)),
    Variant("mse_loss with a loop from Value(0) and * (1/n)",
            old="    return sum((p - t) ** 2 for p, t in zip(preds, targets)) / len(preds)",
            new="    total = Value(0.0)\n    for p, t in zip(preds, targets):\n        total = total + (p - t) * (p - t)\n"
                "    return total * (1.0 / len(preds))"),
    Variant("update as p.data += -lr * p.grad (the micrograd lecture's)", old="p.data -= lr * p.grad",
            new="p.data += -lr * p.grad"),
    Variant("data stored as np.float32 (a float32 engine)", old="self.data = float(data)", new="self.data = np.float32(data)"),
    Variant("tanh from the exp formula", old="t = math.tanh(self.data)",
            new="e2 = math.exp(2 * self.data)\n        t = (e2 - 1) / (e2 + 1)"),
    Variant("relu by multiplication", old='Value(self.data if self.data > 0 else 0.0, (self,), "relu")',
            new='Value(self.data * (self.data > 0), (self,), "relu")'),
    Variant("__sub__ as self + other * -1", old="return self + (-other)", new="return self + other * -1"),
    Variant("neuron: bias first, then a sum from 0", old="z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)",
            new="z = self.b + sum(wi * xi for wi, xi in zip(self.w, x))"),
    Variant("train_step scales the gradient in place, then subtracts it", old="p.data -= lr * p.grad",
            new="p.grad *= lr\n        p.data -= p.grad"),
    # --- third held-out round of issue 15
    Variant("log derivative as exp(-out.data)", old="self.grad += out.grad / self.data",
            new="self.grad += math.exp(-out.data) * out.grad"),
    Variant("__truediv__ as self * (1 / other)", old="return self * other ** -1", new="return self * (1 / other)"),
    Variant("backward: post-order with an iterator stack", old=_DFS, new=_ITER),
    Variant("mse_loss with an explicit start Value and len ** -1",
            old="    return sum((p - t) ** 2 for p, t in zip(preds, targets)) / len(preds)",
            new="    return sum(((p - t) ** 2 for p, t in zip(preds, targets)), Value(0.0)) * len(preds) ** -1"),
    Variant("tanh derivative from out.data", old="(1 - t ** 2) * out.grad", new="(1 - out.data ** 2) * out.grad"),
    Variant("neuron accumulating with +=", old="z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)",
            new="z = self.b\n        for wi, xi in zip(self.w, x):\n            z += wi * xi"),
    Variant("zero_grad with p.grad *= 0", old="p.grad = 0.0", new="p.grad *= 0"),
    # --- fourth held-out round of issue 15
    Variant("power rule with math.pow", old="k * self.data ** (k - 1) * out.grad",
            new="k * math.pow(self.data, k - 1) * out.grad"),
    Variant("tanh derivative (1 - t) * (1 + t)", old="(1 - t ** 2) * out.grad", new="(1 - t) * (1 + t) * out.grad"),
    Variant("MLP.parameters via sum(..., [])",
            old="return [p for layer in self.layers for p in layer.parameters()]",
            new="return sum((layer.parameters() for layer in self.layers), [])"),
    Variant("train_step zero_grad after the forward, before backward",
            old="    model.zero_grad()\n    loss = mse_loss([model(x) for x in xs], ys)\n    loss.backward()",
            new="    loss = mse_loss([model(x) for x in xs], ys)\n    model.zero_grad()\n    loss.backward()"),
    Variant("exp via math.e ** x", old='out = Value(math.exp(self.data), (self,), "exp")',
            new='out = Value(math.e ** self.data, (self,), "exp")'),
    Variant("Neuron with np.dot over object arrays",
            old="z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)",
            new="z = np.dot(np.array(self.w, dtype=object), np.array(list(x), dtype=object)) + self.b"),
    # --- the fifth held-out round of issue 15
    Variant('backward calls _backward only on interior nodes',
            old='        for node in reversed(topo):\n            node._backward()',
            new='        for node in reversed(topo):\n            if node._prev:\n                node._backward()'),
    Variant('__rsub__ as -self + other',
            old='return other + (-self)',
            new='return -self + other'),
    Variant('relu backward with an if',
            old='self.grad += (out.data > 0) * out.grad',
            new='if out.data > 0:\n                self.grad += out.grad'),
    Variant('_prev as frozenset',
            old='self._prev = set(_children)',
            new='self._prev = frozenset(_children)'),
    Variant('mse_loss with an index loop and float division',
            old='    return sum((p - t) ** 2 for p, t in zip(preds, targets)) / len(preds)',
            new=('    n = len(preds)\n'
                 '    total = 0\n'
                 '    for i in range(n):\n'
                 '        diff = preds[i] - targets[i]\n'
                 '        total = total + diff * diff\n'
                 '    return total / float(n)')),
    Variant('__rtruediv__ as self ** -1 * other',
            old='return other * self ** -1',
            new='return self ** -1 * other'),
    # sixth held-out round of issue 15
    Variant("__rsub__ as -(self - other)", old="        return other + (-self)", new="        return -(self - other)"),
    Variant("mse_loss with (p - t) * (p - t)", old="(p - t) ** 2 for p, t", new="(p - t) * (p - t) for p, t"),
    Variant("__add__ closure looping over both operands",
            old="            self.grad += out.grad\n            other.grad += out.grad",
            new="            for v in (self, other):\n                v.grad += out.grad"),
    Variant("tanh forward as 2 / (1 + exp(-2a)) - 1", old="t = math.tanh(self.data)",
            new="t = 2.0 / (1.0 + math.exp(-2.0 * self.data)) - 1.0"),
    # Held-out measurement after round 6: lost a point in backward_deep (the chain's interior grads stayed 0).
    Variant("backward skips nodes whose grad is 0", old="        for node in reversed(topo):\n            node._backward()",
            new="        for node in reversed(topo):\n            if node.grad != 0:\n                node._backward()"),
    # round 7 held-out set
    Variant("r7 held-out: __add__ records its children as (other, self)",
            old='out = Value(self.data + other.data, (self, other), "+")', new='out = Value(self.data + other.data, (other, self), "+")'),
    Variant("r7 held-out: Neuron zips x with w (xi * wi)", old="z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)",
            new="z = sum((xi * wi for xi, wi in zip(x, self.w)), self.b)"),
    Variant("r7 held-out: train_step loss as the mean of per-sample losses", old="loss = mse_loss([model(x) for x in xs], ys)",
            new="loss = sum(mse_loss([model(x)], [y]) for x, y in zip(xs, ys)) / len(xs)"),
    Variant("r7 held-out: Value starts with an integer grad 0", old="        self.grad = 0.0\n        self._prev",
            new="        self.grad = 0\n        self._prev"),
    # round 9 held-out set (r9c)
    Variant('r9 held-out: __neg__ as self * Value(-1.0)',
            old='return self * -1',
            new='return self * Value(-1.0)'),
    Variant('r9 held-out: backward with a collections.deque stack',
            old='        stack = [(self, False)]\n',
            new='        import collections\n        stack = collections.deque([(self, False)])\n'),
    Variant('r9 held-out: zero_grad through setattr in a map',
            old='        for p in self.parameters():\n            p.grad = 0.0\n',
            new="        list(map(lambda p: setattr(p, 'grad', 0.0), self.parameters()))\n"),
    Variant('r9 held-out: mse_loss with functools.reduce(operator.add)',
            old='return sum((p - t) ** 2 for p, t in zip(preds, targets)) / len(preds)',
            new='import functools, operator\n    return functools.reduce(operator.add, [(p - t) ** 2 for p, t in zip(preds, targets)]) / len(preds)'),
    Variant('r9 held-out: train_step collects the grads, then rebinds p.data',
            old='    for p in model.parameters():\n        p.data -= lr * p.grad\n',
            new='    params = model.parameters()\n    grads = [p.grad for p in params]\n    for p, g in zip(params, grads):\n        p.data = p.data - lr * g\n'),
    Variant('r9 held-out: relu backward with float(self.data > 0)',
            old='self.grad += (out.data > 0) * out.grad',
            new='self.grad += out.grad * float(self.data > 0)'),
    Variant('r10 held-out: backward visits the parents sorted by their data',
            old='            for parent in node._prev:\n                if parent not in visited:',
            new='            for parent in sorted(node._prev, key=lambda v: v.data):\n                if parent not in visited:'),
    # round 13 held-out set (r13c)
    Variant("r13 held-out: mse_loss expanded as p*p - 2*p*t + t*t",
            old="return sum((p - t) ** 2 for p, t in zip(preds, targets)) / len(preds)",
            new="return sum(p * p - 2 * p * t + t * t for p, t in zip(preds, targets)) / len(preds)"),
    Variant("r13 held-out: MLP forward with functools.reduce",
            old="        for layer in self.layers:\n            x = layer(x)\n        return x[0] if len(x) == 1 else x\n",
            new="        import functools\n        x = functools.reduce(lambda h, layer: layer(h), self.layers, x)\n"
                "        return x[0] if len(x) == 1 else x\n"),
    Variant("r13 held-out: train_step with the loss inlined (not via mse_loss)",
            old="    loss = mse_loss([model(x) for x in xs], ys)\n",
            new="    loss = sum(((model(x) - y) ** 2 for x, y in zip(xs, ys)), Value(0.0)) * (1.0 / len(xs))\n"),
    Variant("r13 held-out: __truediv__ via other.__pow__(-1)",
            old="        return self * other ** -1\n", new="        return self * other.__pow__(-1)\n"),
    Variant("r13 held-out: Neuron relu by branching on z.data (z * 0 below zero)",
            old="        if self.act == \"relu\":\n            return z.relu()\n",
            new="        if self.act == \"relu\":\n            return z if z.data > 0 else z * 0\n"),
    Variant("r13: Neuron relu by branching on z.data, a fresh Value(0.0) below zero (same values and gradients)",
            old="        if self.act == \"relu\":\n            return z.relu()\n",
            new="        if self.act == \"relu\":\n            return z if z.data > 0 else Value(0.0)\n"),
    Variant("r13 second set: backward marks a node visited when it is appended (post-order), not when expanded",
            old="""            if node in visited:
                continue
            visited.add(node)
            stack.append((node, True))""",
            new="""            if node in visited:
                continue
            stack.append((node, True))""",
            also=(("            if parents_done:\n                topo.append(node)\n",
                   "            if parents_done:\n                visited.add(node)\n                topo.append(node)\n"),)),
    Variant("r13 second set: train_step updates over set(model.parameters())",
            old="    for p in model.parameters():\n        p.data -= lr * p.grad\n    return loss.data",
            new="    for p in set(model.parameters()):\n        p.data -= lr * p.grad\n    return loss.data"),
]


# r14 held-out set m14k (measured on cdda232), fixed in round 14: each now caught and named
MUTANTS += [
    Mutant("r14 m14k: division defined as __div__ (Python 2 name; a / b raises TypeError)",
           old="    def __truediv__(self, other):", new="    def __div__(self, other):",
           expect="Python 3 calls __truediv__"),
    Mutant("r14 m14k: exp forward as a ** e (self.data ** math.e) instead of e ** a",
           old='out = Value(math.exp(self.data), (self,), "exp")',
           new='out = Value(self.data ** math.e, (self,), "exp")',
           expect="base and exponent swapped"),
    Mutant("r14 m14k: relu mask int(self.data) > 0 (inputs in (0, 1) get no gradient)",
           old="(out.data > 0) * out.grad", new="(int(self.data) > 0) * out.grad",
           expect="int() or a round() of a number between -1 and 1"),
    Mutant("r14 m14k: backward stops (break) at the first node whose grad is 0",
           old="        for node in reversed(topo):\n            node._backward()",
           new="        for node in reversed(topo):\n            if node.grad == 0:\n                break\n            node._backward()",
           expect="stops at the first node whose grad is 0"),
    Mutant("r14 m14k: MLP unwraps a single output inside the layer loop (breaks a width-1 hidden layer)",
           old="        for layer in self.layers:\n            x = layer(x)\n        return x[0] if len(x) == 1 else x",
           new="        for layer in self.layers:\n            x = layer(x)\n            x = x[0] if len(x) == 1 else x\n        return x",
           expect="a hidden layer here has width 1"),
    Mutant("r14 m14k: train_step adds micrograd demo's L2 penalty 1e-4 * sum p^2 to the loss",
           old="    loss = mse_loss([model(x) for x in xs], ys)\n    loss.backward()",
           new="    loss = mse_loss([model(x) for x in xs], ys)\n    loss = loss + 1e-4 * sum((p * p for p in model.parameters()))\n    loss.backward()",
           expect="weight decay"),
    Mutant("r14 m14k: train_step uses micrograd demo's hinge loss relu(1 - y * score) instead of the MSE",
           old="    loss = mse_loss([model(x) for x in xs], ys)\n",
           new="    loss = sum(((1 + -y * model(x)).relu() for x, y in zip(xs, ys)), Value(0.0)) * (1.0 / len(xs))\n",
           expect="the hinge loss"),
]

VARIANTS += [
    Variant("r14 m14k: backward leaves the leaves out of topo (their _backward is a no-op)",
            old="            visited.add(node)\n            stack.append((node, True))",
            new="            visited.add(node)\n            if node._prev:\n                stack.append((node, True))"),
    Variant("r14 m14k: __sub__ as self + (-1) * other",
            old="        return self + (-other)", new="        return self + (-1) * other"),
    Variant("r14 m14k: __pow__ forward with math.pow",
            old='out = Value(self.data ** k, (self,), f"**{k}")',
            new='out = Value(math.pow(self.data, k), (self,), f"**{k}")'),
    Variant("r14 m14k: Neuron sum with functools.reduce(operator.add) from the bias",
            old="z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)",
            new="import functools, operator\n        z = functools.reduce(operator.add, (wi * xi for wi, xi in zip(self.w, x)), self.b)"),
    Variant("r14 m14k: Layer.parameters through itertools.chain(*...)",
            old="        return [p for neuron in self.neurons for p in neuron.parameters()]",
            new="        import itertools\n        return list(itertools.chain(*(neuron.parameters() for neuron in self.neurons)))"),
    Variant("r14 m14k: tanh backward recomputes math.tanh(self.data)",
            old="self.grad += (1 - t ** 2) * out.grad",
            new="self.grad += (1 - math.tanh(self.data) ** 2) * out.grad"),
    Variant("r14 m14k: mse_loss through map and a lambda over the pairs",
            old="    return sum((p - t) ** 2 for p, t in zip(preds, targets)) / len(preds)",
            new="    return sum(map(lambda pt: (pt[0] - pt[1]) ** 2, zip(preds, targets))) / len(preds)"),
    Variant("r14 m14k fix: backward skips (continue) the nodes whose grad is 0 (their closures add nothing)",
            old="        for node in reversed(topo):\n            node._backward()",
            new="        for node in reversed(topo):\n            if node.grad == 0:\n                continue\n            node._backward()"),
]

# the same classes in other functions (round 14, after m14k)
MUTANTS += [
    Mutant("r14: multiplication defined as __mult__ (a * b raises TypeError)",
           old="    def __mul__(self, other):", new="    def __mult__(self, other):", expect="define __mul__(self, other)"),
    Mutant("r14: tanh derivative through int(t) (0 for every |t| < 1)",
           old="self.grad += (1 - t ** 2) * out.grad", new="self.grad += (1 - t ** 2) * int(abs(t) + 0.5) * out.grad",
           expect="int()"),
]

# r15 held-out set m15c (measured on da322d8), fixed in round 15: each now caught and named in its own cell only
# (an unhashable Value, a leaf's _backward with an argument and relu's parents not in a tuple no longer cost the
# other operations', backward()'s, the neuron's or the MLP's cells; a neuron mistake no longer costs the MLP's)
_R15_NEURON_ACT = '''        if self.act == "tanh":
            return z.tanh()
        if self.act == "relu":
            return z.relu()
        return z
'''
MUTANTS += [
    Mutant("r15 m15c: Value defines __eq__ on the data (Values become unhashable: set(_children) fails)",
           old="    def __repr__(self):",
           new="    def __eq__(self, other):\n        return isinstance(other, Value) and self.data == other.data\n\n"
               "    def __repr__(self):",
           expect="loses the default __hash__"),
    Mutant("r15 m15c: relu parents written (self) instead of (self,) (not a tuple)",
           old='Value(self.data if self.data > 0 else 0.0, (self,), "relu")',
           new='Value(self.data if self.data > 0 else 0.0, (self), "relu")',
           expect="a tuple of one needs a comma"),
    Mutant("r15 m15c: a leaf's _backward takes an argument (lambda self: None)",
           old="self._backward = lambda: None", new="self._backward = lambda self: None",
           expect="a _backward must take none"),
    Mutant("r15 m15c: Neuron dispatches the activation with getattr(z, self.act)() ('linear' has no method)",
           old=_R15_NEURON_ACT, new="        return getattr(z, self.act)()\n",
           expect="'linear' means no activation at all"),
    Mutant("r15 m15c: Neuron sums with math.fsum (floats only): the neuron's cell alone",
           old="z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)",
           new="z = math.fsum(wi * xi for wi, xi in zip(self.w, x)) + self.b",
           expect="a math function"),
    Mutant("r15 m15c: zero_grad only written in MLP (Module.zero_grad left as pass: Neuron/Layer never reset)",
           old="        for p in self.parameters():\n            p.grad = 0.0\n",
           new="        pass\n",
           also=[("        return [p for layer in self.layers for p in layer.parameters()]",
                  "        return [p for layer in self.layers for p in layer.parameters()]\n\n"
                  "    def zero_grad(self):\n        for p in self.parameters():\n            p.grad = 0.0")],
           expect="the loop is written in MLP only"),
    Mutant("r15 m15c: mse_loss through statistics.mean (needs numbers, not Values)",
           old="    return sum((p - t) ** 2 for p, t in zip(preds, targets)) / len(preds)",
           new="    import statistics\n    return statistics.mean((p - t) ** 2 for p, t in zip(preds, targets))",
           expect="statistics.mean"),
    Mutant("r15 m15c: train_step indexes the single-output model (model(x)[0])",
           old="loss = mse_loss([model(x) for x in xs], ys)",
           new="loss = mse_loss([model(x)[0] for x in xs], ys)",
           expect="returns a single Value"),
    Mutant("r15 m15c: train_step returns loss.item() (PyTorch habit)",
           old="    return loss.data\n", new="    return loss.item()\n",
           expect="not a PyTorch tensor"),
    Mutant("r15 m15c: MLP.parameters misnamed params (Module.parameters returns [] for the MLP)",
           old="    def parameters(self):\n        \"\"\"Every parameter of every layer, as one list.\"\"\"",
           new="    def params(self):\n        \"\"\"Every parameter of every layer, as one list.\"\"\"",
           expect="MLP does not define parameters() itself"),
    Mutant("r15 m15c: __add__ of a plain number returns a node without a _backward",
           old=("        other = other if isinstance(other, Value) else Value(other)\n"
                "        out = Value(self.data + other.data, (self, other), \"+\")"),
           new=("        if not isinstance(other, Value):\n"
                "            return Value(self.data + other, (self,), \"+\")\n"
                "        out = Value(self.data + other.data, (self, other), \"+\")"),
           expect="the path taken when one operand is a plain number"),
    # the same classes in the lab's other functions
    Mutant("r15: __mul__ of a plain number returns a node without a _backward",
           old=("        other = other if isinstance(other, Value) else Value(other)\n"
                "        out = Value(self.data * other.data, (self, other), \"*\")"),
           new=("        if not isinstance(other, Value):\n"
                "            return Value(self.data * other, (self,), \"*\")\n"
                "        out = Value(self.data * other.data, (self, other), \"*\")"),
           expect="the path taken when one operand is a plain number"),
    Mutant("r15: exp's parents written (self) instead of (self,)",
           old='out = Value(math.exp(self.data), (self,), "exp")',
           new='out = Value(math.exp(self.data), (self), "exp")',
           expect="a tuple of one needs a comma"),
    Mutant("r15: __mul__'s closure defined with an argument (def _backward(self))",
           old="        def _backward():\n            self.grad += other.data * out.grad",
           new="        def _backward(self):\n            self.grad += other.data * out.grad",
           expect="a _backward must take none"),
    Mutant("r15: Layer.parameters misnamed params (Module.parameters returns [] for every layer)",
           old="    def parameters(self):\n        \"\"\"Every parameter of every neuron: a list of nout * (nin + 1) Values.\"\"\"",
           new="    def params(self):\n        \"\"\"Every parameter of every neuron: a list of nout * (nin + 1) Values.\"\"\"",
           expect="Layer does not define parameters() itself"),
    Mutant("r15: Neuron applies relu as max(0, z) (Value has no comparison)",
           old="        if self.act == \"relu\":\n            return z.relu()",
           new="        if self.act == \"relu\":\n            return max(0, z)",
           expect="Value defines no comparison"),
    Mutant("r15: train_step returns loss.detach() (PyTorch habit)",
           old="    return loss.data\n", new="    return float(loss.detach())\n",
           expect="not a PyTorch tensor"),
]

VARIANTS += [
    Variant("r15 m15c: Value hashed by its data (__hash__ only; equality stays identity)",
            old="    def __repr__(self):",
            new="    def __hash__(self):\n        return hash(self.data)\n\n    def __repr__(self):"),
    Variant("r15 m15c: __mul__ by a plain number as a one-parent node",
            old=("        other = other if isinstance(other, Value) else Value(other)\n"
                 "        out = Value(self.data * other.data, (self, other), \"*\")"),
            new=("        if not isinstance(other, Value):\n"
                 "            scaled = Value(self.data * other, (self,), \"*\")\n\n"
                 "            def _backward_const():\n"
                 "                self.grad += other * scaled.grad\n"
                 "            scaled._backward = _backward_const\n"
                 "            return scaled\n"
                 "        out = Value(self.data * other.data, (self, other), \"*\")")),
    Variant("r15: Value defines __eq__ on the data and keeps the identity hash (__hash__ = object.__hash__)",
            old="    def __repr__(self):",
            new="    def __eq__(self, other):\n        return isinstance(other, Value) and self.data == other.data\n\n"
                "    __hash__ = object.__hash__\n\n    def __repr__(self):"),
]

# r15b held-out set m15k (measured on a290072), fixed in round 15b: a leaf's faults of the constructor (_prev None,
# _backward = self.backward) cost value_init's cell only (the other cells are judged with a constructor that gives a
# leaf an empty _prev and a do-nothing _backward); a number wrapped under another name than the closure's is named;
# an MLP (Layer, Neuron) that changes the caller's input list is caught (MLP.__call__'s docstring: "The caller's list
# x is left unchanged"); a Layer returning a tuple is a mistake by its docstring (list of nout Values), said so.
_R15B_MLP_CALL = """        for layer in self.layers:
            x = layer(x)
        return x[0] if len(x) == 1 else x"""
_R15B_LAYER_CALL = "        return [neuron(x) for neuron in self.neurons]"
MUTANTS += [
    Mutant("r15b m15k: a leaf's _backward is the Value's own backward method (_backward / backward confused)",
           old="        self._backward = lambda: None   # a leaf has nothing to propagate to",
           new="        self._backward = self.backward   # a leaf propagates through backward()",
           expect="a leaf's _backward is the Value's own backward() method"),
    Mutant("r15b m15k: _prev of a leaf is None instead of an empty set",
           old="        self._prev = set(_children)",
           new="        self._prev = set(_children) if _children else None   # a leaf has no parents",
           expect="a leaf Value(x) has _prev = None"),
    Mutant("r15b m15k: __mul__ wraps a plain number under a new name, the closure still uses the raw `other`",
           old=('        other = other if isinstance(other, Value) else Value(other)\n'
                '        out = Value(self.data * other.data, (self, other), "*")'),
           new=('        o = other if isinstance(other, Value) else Value(other)\n'
                '        out = Value(self.data * o.data, (self, o), "*")'),
           also=[("            other.grad += self.data * out.grad", "            o.grad += self.data * out.grad")],
           expect="the name read there is still the plain number"),
    Mutant("r15b m15k: MLP wraps the caller's inputs in Values in place (x[i] = Value(x[i]))",
           old=_R15B_MLP_CALL,
           new="""        for i in range(len(x)):
            x[i] = x[i] if isinstance(x[i], Value) else Value(x[i])   # inputs as Values
""" + _R15B_MLP_CALL,
           expect="changed the caller's list x in place"),
    Mutant("r15b m15k (was a variant): Layer returns a tuple of outputs (its docstring: a list of nout Values)",
           old=_R15B_LAYER_CALL,
           new="        return tuple(neuron(x) for neuron in self.neurons)",
           expect="got tuple of 2"),
    Mutant("r15b m15k: __add__ backward loops over out._prev (a set: a + a gets one contribution)",
           old="            self.grad += out.grad\n            other.grad += out.grad",
           new="            for child in out._prev:\n                child.grad += out.grad",
           expect="the same Value as both operands gets one contribution per operand"),
    Mutant("r15b m15k: __pow__ by repeated multiplication (right only for whole exponents >= 2)",
           old=("        out = Value(self.data ** k, (self,), f\"**{k}\")\n\n        def _backward():\n"
                "            self.grad += k * self.data ** (k - 1) * out.grad\n        out._backward = _backward\n"
                "        return out\n"),
           new=("        out = self\n        for _ in range(int(k) - 1):   # x ** k = x * x * ... * x\n"
                "            out = out * self\n        return out\n"),
           expect="right only for whole exponents of at least 2"),
    Mutant("r15b m15k: Neuron applies the activation to every product w_i x_i, then sums (bias added last)",
           old="        z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)\n        if self.act == \"tanh\":",
           new="        act = {\"tanh\": lambda v: v.tanh(), \"relu\": lambda v: v.relu(), \"linear\": lambda v: v}"
               "[self.act]\n        return sum((act(wi * xi) for wi, xi in zip(self.w, x)), self.b)\n"
               "        z = self.b\n        if self.act == \"tanh\":",
           expect="the activation is applied to each product w_i x_i before the sum"),
    Mutant("r15b m15k: mse_loss as the textbook 1/2 * sum of squares (no mean)",
           old="    return sum((p - t) ** 2 for p, t in zip(preds, targets)) / len(preds)",
           new="    return 0.5 * sum((p - t) ** 2 for p, t in zip(preds, targets))",
           expect="the textbook 1/2 * sum of the squared errors (no division by N)"),
    # the same classes in the lab's other functions
    Mutant("r15b: __mul__ backward loops over out._prev (a * a gets one contribution)",
           old="            self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
           new="            for child in out._prev:\n                peer = self if child is other else other\n"
               "                child.grad += peer.data * out.grad",
           expect="a loop over out._prev"),
    Mutant("r15b: __add__ wraps a plain number under a new name, the closure still uses the raw `other`",
           old=('        other = other if isinstance(other, Value) else Value(other)\n'
                '        out = Value(self.data + other.data, (self, other), "+")'),
           new=('        o = other if isinstance(other, Value) else Value(other)\n'
                '        out = Value(self.data + o.data, (self, o), "+")'),
           expect="the name read there is still the plain number"),
    Mutant("r15b: Layer wraps the caller's inputs in Values in place before its neurons",
           old=_R15B_LAYER_CALL,
           new="""        for i, xi in enumerate(x):
            x[i] = xi if isinstance(xi, Value) else Value(xi)
""" + _R15B_LAYER_CALL,
           expect="changed the caller's list x in place"),
    Mutant("r15b: Neuron pops its inputs off the caller's list (x.pop() in the sum)",
           old="        z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)",
           new="        z = self.b\n        for wi in reversed(self.w):\n"
               "            z = z + wi * x.pop()",
           expect="changed the caller's list x in place"),
]

# --- round 16 (r16g): the held-out probes of m16c, and the same classes in the lab's other functions
MUTANTS += [
    Mutant("r16g m16c: exp clamps its input at 50 (overflow guard)",
           old='        out = Value(math.exp(self.data), (self,), "exp")',
           new='        out = Value(math.exp(min(self.data, 50.0)), (self,), "exp")',
           expect="wrong for this a, far from them"),
    Mutant("r16g: exp clips its input to [-30, 30] (overflow guard both ways)",
           old='        out = Value(math.exp(self.data), (self,), "exp")',
           new='        out = Value(math.exp(max(-30.0, min(self.data, 30.0))), (self,), "exp")',
           expect="wrong for this a, far from them"),
    Mutant("r16g: log guards its input with max(a, 1e-2) (a 'safe log')",
           old='        out = Value(math.log(self.data), (self,), "log")',
           new='        out = Value(math.log(max(self.data, 1e-2)), (self,), "log")',
           expect="wrong for this a, far from them"),
    Mutant("r16g m16c: Neuron accumulates into self.b (the bias parameter rebound to the sum)",
           old="        z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)",
           new="        for wi, xi in zip(self.w, x):\n            self.b = self.b + wi * xi\n        z = self.b",
           expect="changed the neuron"),
    Mutant("r16g: Neuron adds the products into the bias's data in place (self.b.data += ...)",
           old="        z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)",
           new="        z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)\n"
               "        self.b.data = z.data   # keep the last pre-activation",
           expect="changed the neuron"),
    Mutant("r16g m16c: MLP writes each layer's output into the caller's list (x[:] = layer(x))",
           old="        for layer in self.layers:\n            x = layer(x)\n",
           new="        for layer in self.layers:\n            x[:] = layer(x)\n",
           expect="changed the caller's list x in place"),
]

MUTANTS += [
    Mutant("r16g m16c: Layer returns one output per INPUT (range(len(x)); right only when nin == nout)",
           old="        return [neuron(x) for neuron in self.neurons]",
           new="        return [self.neurons[i](x) for i in range(len(x))]",
           expect="one output per INPUT"),
    Mutant("r16g: Layer zips its neurons with the inputs (one output per input up to nout)",
           old="        return [neuron(x) for neuron in self.neurons]",
           new="        return [self.neurons[i](x) for i, _ in enumerate(x)]",
           expect="one output per INPUT"),
    Mutant("r16g m16c: zero_grad resets only nodes with parents (backward's rule; parameters are leaves)",
           old="        for p in self.parameters():\n            p.grad = 0.0",
           new="        for p in self.parameters():\n            if p._prev:   # only interior nodes, as in backward\n"
               "                p.grad = 0.0",
           expect="kept their grad"),
    Mutant("r16g: zero_grad resets only the parameters whose _op is set (none: they are leaves)",
           old="        for p in self.parameters():\n            p.grad = 0.0",
           new="        for p in self.parameters():\n            if p._op:\n                p.grad = 0.0",
           expect="kept their grad"),
    Mutant("r16g m16c: mse_loss double comprehension (every pred against every target)",
           old="    return sum((p - t) ** 2 for p, t in zip(preds, targets)) / len(preds)",
           new="    return sum((p - t) ** 2 for p in preds for t in targets) / len(preds)",
           expect="every prediction meets every target"),
    Mutant("r16g: mse_loss over every pair, divided by N * N",
           old="    return sum((p - t) ** 2 for p, t in zip(preds, targets)) / len(preds)",
           new="    return sum((p - t) ** 2 for p in preds for t in targets) / (len(preds) * len(targets))",
           expect="every prediction meets every target"),
]

VARIANTS += [
    Variant("r16g: exp as math.e ** a",
            old='        out = Value(math.exp(self.data), (self,), "exp")',
            new='        out = Value(math.e ** self.data, (self,), "exp")'),
    Variant("r16g: log through log2 times ln 2",
            old='        out = Value(math.log(self.data), (self,), "log")',
            new='        out = Value(math.log2(self.data) * math.log(2.0), (self,), "log")'),
]


# ----- round 16b (r16o): the held-out set m16k
MUTANTS += [
    Mutant("r16o m16k: relu backward mask self.data >= 0 (gradient 1 at exactly 0)",
           old="self.grad += (out.data > 0) * out.grad",
           new="self.grad += (self.data >= 0) * out.grad",
           expect="relu's derivative at exactly a = 0 must be 0"),
    # formerly a catalogued variant (rounds 6 and earlier): it raises ZeroDivisionError at a = 0, where the docstring's
    # k * self**(k-1) is defined, and mse_loss's (p - t) ** 2 reaches a = 0 whenever a prediction equals its target
    Mutant("r16o m16k: __pow__ backward as k * out.data / self.data (ZeroDivisionError at a = 0)",
           old="self.grad += k * self.data ** (k - 1) * out.grad",
           new="self.grad += k * out.data / self.data * out.grad",
           expect="the local derivative divides by the input"),
    Mutant("r16o: __pow__ backward guarded as 0 at a = 0 (wrong for k = 1: d(a ** 1)/da = 1)",
           old="self.grad += k * self.data ** (k - 1) * out.grad",
           new="self.grad += (k * out.data / self.data if self.data != 0 else 0.0) * out.grad",
           expect="a ** 1 at a = 0: the local derivative"),
]

VARIANTS += [
    # the lab accepts an engine that keeps float32 data (judged at float32 precision: checks/lab05.py's PROPERTIES)
    Variant("r16o m16k: Value keeps data unconverted (self.data = data: np.float32 inputs computed in float32)",
            old="self.data = float(data)",
            new="self.data = data"),
]

MUTANTS += [
    Mutant("r16o m16k: Layer.__call__ feeds each neuron the previous neuron's output (x rebound in the loop)",
           old="return [neuron(x) for neuron in self.neurons]",
           new="outs = []\n        for neuron in self.neurons:\n            outs.append(neuron(x))\n"
               "            x = [outs[-1]] * len(x)\n        return outs",
           expect="is x rebound or modified inside the loop over the neurons"),
    Mutant("r16o: Layer.__call__ feeds each later neuron the outputs so far in front of x (x rebound in the loop)",
           old="return [neuron(x) for neuron in self.neurons]",
           new="outs = []\n        for neuron in self.neurons:\n            outs.append(neuron(x))\n"
               "            x = outs + list(x)\n        return outs",
           expect="is x rebound or modified inside the loop over the neurons"),
]

# round 16c (r16w): the held-out m16s probes; "numbers" include NumPy scalars (docstring), a leaf root accumulates
MUTANTS += [
    Mutant("r16w m16s: __mul__ wraps only int/float (a numpy integer scalar is left unwrapped)",
           old="        other = other if isinstance(other, Value) else Value(other)\n        out = Value(self.data * other.data",
           new="        other = Value(other) if isinstance(other, (int, float)) else other\n        out = Value(self.data * other.data",
           expect="a number that is not an int/float instance was not wrapped in a Value"),
    Mutant("r16w: __add__ wraps only int/float (a NumPy integer is left unwrapped)",
           old="        other = other if isinstance(other, Value) else Value(other)\n        out = Value(self.data + other.data",
           new="        other = Value(other) if isinstance(other, (int, float)) else other\n        out = Value(self.data + other.data",
           expect="a number that is not an int/float instance was not wrapped in a Value"),
]

VARIANTS += [
    Variant("r16w: operations wrap anything that is not a Value with numbers.Number",
            old="        other = other if isinstance(other, Value) else Value(other)\n        out = Value(self.data * other.data",
            new="        other = Value(other) if isinstance(other, __import__('numbers').Number) else other\n"
                "        out = Value(self.data * other.data"),
]

MUTANTS += [
    Mutant("r16w m16s: Neuron multiplies by the bias (sum(w_i x_i) * b instead of + b)",
           old="        z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)",
           new="        z = sum(wi * xi for wi, xi in zip(self.w, x)) * self.b",
           expect="the bias is multiplied, not added"),
    Mutant("r16w m16s: train_step relative step p.data -= lr * p.grad * p.data",
           old="        p.data -= lr * p.grad",
           new="        p.data -= lr * p.grad * p.data",
           expect="-lr * p.grad * p.data"),
    Mutant("r16w m16s: mse_loss averages the errors before squaring ((mean(p - t))**2)",
           old="    return sum((p - t) ** 2 for p, t in zip(preds, targets)) / len(preds)",
           new="    return (sum(p - t for p, t in zip(preds, targets)) / len(preds)) ** 2",
           expect="the errors were averaged (or summed) before squaring"),
]

MUTANTS += [
    Mutant("r16w m16s: Layer.parameters returns only the first neuron's parameters",
           old="        return [p for neuron in self.neurons for p in neuron.parameters()]",
           new="        return self.neurons[0].parameters()",
           expect="every parameter of neuron(s) [2, 3, 4], weights and bias (only neuron(s) [1] are listed)"),
]
# Decision (round 17): the docstring's step 3 adds 1 to the root's grad and leaves accumulate over calls, so a
# root that is a leaf called twice holds 2 (as in PyTorch); a seed that overwrites (self.grad = 1, micrograd's)
# gives 1. Was a variant until the leaf root called twice was asked.
MUTANTS += [
    Mutant("seed with self.grad = 1 (a leaf root called twice does not accumulate)",
           "        self.grad += 1.0\n", "        self.grad = 1\n", expect="self.grad += 1"),
]

# round 17c (r17c): held-out m17c, caught and named by general questions (a module called again on another input; relu
# near its threshold; the formula at a scaled input; transformed targets in mse_loss and train_step; the unwrap decided
# by the input's length; every product scaled by one factor)
MUTANTS += [
    Mutant("r17c m17c: Layer accumulates its outputs on self across calls (self.outs grows, state kept)",
           old="        return [neuron(x) for neuron in self.neurons]",
           new="        self.outs = getattr(self, 'outs', [])\n        self.outs.extend(neuron(x) for neuron in self.neurons)\n"
               "        return self.outs",
           expect="called a second time, on another x it returned a list of 4 outputs"),
    Mutant("r17c: Layer caches its first output on self (every later call returns it)",
           old="        return [neuron(x) for neuron in self.neurons]",
           new="        if getattr(self, 'cached', None) is None:\n"
               "            self.cached = [neuron(x) for neuron in self.neurons]\n        return self.cached",
           expect="something is kept on the module between calls"),
    Mutant("r17c: MLP caches its output on self (every later call returns the first one)",
           old="        for layer in self.layers:\n            x = layer(x)\n        return x[0] if len(x) == 1 else x",
           new="        if getattr(self, 'out', None) is not None:\n            return self.out\n"
               "        for layer in self.layers:\n            x = layer(x)\n"
               "        self.out = x[0] if len(x) == 1 else x\n        return self.out",
           expect="something is kept on the module between calls"),
    Mutant("r17c m17c: relu forward from the rounded input (round(a) > 0: inputs in (0, 0.5) give 0)",
           old='out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")',
           new='out = Value(self.data if round(self.data) > 0 else 0.0, (self,), "relu")',
           expect="is 0 at every positive input up to a = 0.45"),
    Mutant("r17c: relu forward from the truncated input (int(a) > 0: inputs in (0, 1) give 0)",
           old='out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")',
           new='out = Value(self.data if int(self.data) > 0 else 0.0, (self,), "relu")',
           expect="is 0 at every positive input up to a = 0.95"),
    Mutant("r17c m17c: tanh forward as 2/(1 + exp(-a)) - 1 (the identity's 2a forgotten: tanh(a/2))",
           old="        t = math.tanh(self.data)\n",
           new="        t = 2 / (1 + math.exp(-self.data)) - 1\n",
           expect="the right formula evaluated at a / 2"),
    Mutant("r17c m17c: train_step maps the targets {0,1} -> {-1,+1} itself (the caller already did)",
           old="    loss = mse_loss([model(x) for x in xs], ys)",
           new="    ys = [2 * y - 1 for y in ys]\n    loss = mse_loss([model(x) for x in xs], ys)",
           expect="against the targets 2y - 1"),
    Mutant("r17c: train_step negates the targets",
           old="    loss = mse_loss([model(x) for x in xs], ys)",
           new="    loss = mse_loss([model(x) for x in xs], [-y for y in ys])",
           expect="against the targets -y (ys = 1, -1, -1, 1 became -1, 1, 1, -1) (on these ys that is also ys in another order"),
    Mutant("r17c m17c: mse_loss truncates the targets with int(t) (labels habit)",
           old="    return sum((p - t) ** 2 for p, t in zip(preds, targets)) / len(preds)",
           new="    return sum((p - int(t)) ** 2 for p, t in zip(preds, targets)) / len(preds)",
           expect="against the targets int(t)"),
    Mutant("r17c: mse_loss rounds the targets",
           old="    return sum((p - t) ** 2 for p, t in zip(preds, targets)) / len(preds)",
           new="    return sum((p - round(t)) ** 2 for p, t in zip(preds, targets)) / len(preds)",
           expect="against the targets round(t)"),
    Mutant("r17c m17c: MLP decides the unwrap from the INPUT's length, cached before the loop",
           old="        for layer in self.layers:\n            x = layer(x)\n        return x[0] if len(x) == 1 else x",
           new="        single = len(x) == 1\n        for layer in self.layers:\n            x = layer(x)\n"
               "        return x[0] if single else x",
           expect="unwraps by the length of its INPUT"),
    Mutant("r17c m17c: Neuron averages the products (sum(w_i x_i) / nin + b)",
           old="        z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)",
           new="        z = sum(wi * xi for wi, xi in zip(self.w, x)) / len(self.w) + self.b",
           expect="= 1/nin: the sum of the products is divided by the number of inputs"),
]

# Round 17b (m17k held-out probes, now catalogued): the Layer's output order, division of any sign, the MSE's
# errors taken as they are, relu on both sides of 0.
MUTANTS += [
    Mutant("r17k m17k: Layer returns its outputs in reversed neuron order (reversed(self.neurons))",
           old="return [neuron(x) for neuron in self.neurons]",
           new="return [neuron(x) for neuron in reversed(self.neurons)]",
           expect="returns its neurons' outputs in another order"),
    Mutant("r17k: Layer returns its outputs sorted by value",
           old="return [neuron(x) for neuron in self.neurons]",
           new="return sorted((neuron(x) for neuron in self.neurons), key=lambda v: -v.data)",
           expect="returns its neurons' outputs in another order"),
    Mutant("r17k m17k: __truediv__ through logs exp(log a - log b) (right only for positive operands)",
           old="        return self * other ** -1\n",
           new="        other = other if isinstance(other, Value) else Value(other)\n"
               "        return (self.log() - other.log()).exp()\n",
           expect="division must work for operands of any sign"),
    Mutant("r17k m17k: mse_loss as the variance of the residuals (mean error subtracted)",
           old="    return sum((p - t) ** 2 for p, t in zip(preds, targets)) / len(preds)\n",
           new="    m = sum(p - t for p, t in zip(preds, targets)) / len(preds)\n"
               "    return sum((p - t - m) ** 2 for p, t in zip(preds, targets)) / len(preds)\n",
           expect="your loss is the variance of the errors"),
    Mutant("r17k m17k: Neuron relu branch gated on z.data (z.relu() if z.data > 0 else z: negatives pass)",
           old='        if self.act == "relu":\n            return z.relu()\n',
           new='        if self.act == "relu":\n            return z.relu() if z.data > 0 else z\n',
           expect="the activation is missing, or applied only when z > 0"),
]

# Round 17c (m17r held-out probes): inputs that are Values, a train_step that keeps state, a constructor that
# changes the number, an mse_loss that skips a sample.
MUTANTS += [
    Mutant("r17r m17r: MLP converts its inputs with float() first (Value inputs rejected)",
           old="        for layer in self.layers:\n            x = layer(x)",
           new="        x = [float(v) for v in x]\n        for layer in self.layers:\n            x = layer(x)",
           expect="The docstring takes x as a list of nin numbers OR Values"),
    Mutant("r17r: MLP unwraps Value inputs to their .data (gradient never reaches x)",
           old="        for layer in self.layers:\n            x = layer(x)",
           new="        x = [getattr(v, 'data', v) for v in x]\n        for layer in self.layers:\n            x = layer(x)",
           expect="no gradient can reach them"),
    Mutant("r17r m17r: train_step caches the targets as Values on the model (stale targets on the next batch)",
           old="    model.zero_grad()\n    loss = mse_loss([model(x) for x in xs], ys)",
           new="    model.zero_grad()\n    if not hasattr(model, '_targets'):\n        model._targets = [Value(y) for y in ys]\n"
               "    loss = mse_loss([model(x) for x in xs], model._targets)",
           expect="train_step keeps something from its previous call"),
    Mutant("r17r: train_step keeps the first batch's inputs on the model",
           old="    model.zero_grad()\n    loss = mse_loss([model(x) for x in xs], ys)",
           new="    model.zero_grad()\n    model.__dict__.setdefault('_xs', xs)\n"
               "    loss = mse_loss([model(x) for x in model._xs][:len(ys)], ys[:len(model._xs)])",
           expect="train_step keeps something from its previous call"),
    Mutant("r17r m17r: Value rounds its data to 6 decimals (display habit)",
           old="        self.data = float(data)",
           new="        self.data = round(float(data), 6)",
           expect="rounded to 6 decimals"),
    Mutant("r17r: Value stores its data to 3 significant digits (float(f'{data:.3g}'))",
           old="        self.data = float(data)",
           new="        self.data = float(f'{float(data):.3g}')",
           expect="Value(x).data must be the number x itself, exactly"),
    Mutant("r17r m17r: mse_loss skips the first pair (range(1, N)) but divides by N",
           old="    return sum((p - t) ** 2 for p, t in zip(preds, targets)) / len(preds)",
           new="    return sum((preds[i] - targets[i]) ** 2 for i in range(1, len(preds))) / len(preds)",
           expect="the first sample's squared error is left out"),
]

# Round 18c (m18c held-out probes): a closure holding a value read at creation, the power rule at negative bases, a
# PyTorch tensor method on a float grad, gradients reset on some steps only, pairs broken by separate shuffles.
MUTANTS += [
    Mutant("r18c m18c: __add__ closure reads out.grad once at creation (g = out.grad is 0 then)",
           old="""        def _backward():
            # += not =: a node used twice must receive both contributions
            self.grad += out.grad
            other.grad += out.grad""",
           new="""        g = out.grad   # the upstream gradient

        def _backward():
            # += not =: a node used twice must receive both contributions
            self.grad += g
            other.grad += g""",
           expect="a value fixed when out was created"),
    Mutant("r18c: __mul__ closure multiplies by out.grad read at creation (upstream = out.grad before the def)",
           old="""            self.grad += other.data * out.grad
            other.grad += self.data * out.grad""",
           new="""            self.grad += other.data * upstream
            other.grad += self.data * upstream""",
           also=(("        out = Value(self.data * other.data, (self, other), \"*\")\n",
                  "        out = Value(self.data * other.data, (self, other), \"*\")\n        upstream = out.grad\n"),),
           expect="a value fixed when out was created"),
    Mutant("r18c m18c: power rule read off the output k * abs(out)**((k-1)/k) (wrong sign for negative bases)",
           old="            self.grad += k * self.data ** (k - 1) * out.grad",
           new="            self.grad += k * abs(out.data) ** ((k - 1) / k) * out.grad   # x^(k-1) = out^((k-1)/k)",
           expect="the power is wrong for negative bases"),
    Mutant("r18c: power rule with abs(self.data) (right for positive bases only)",
           old="            self.grad += k * self.data ** (k - 1) * out.grad",
           new="            self.grad += k * abs(self.data) ** (k - 1) * out.grad",
           expect="the power is wrong for negative bases"),
    Mutant("r18c m18c: zero_grad with PyTorch's p.grad.zero_() (float has no zero_)",
           old="""        for p in self.parameters():
            p.grad = 0.0""",
           new="""        for p in self.parameters():
            p.grad.zero_()""",
           expect=".zero_() is PyTorch's"),
    Mutant("r18c m18c: train_step resets the gradients every other step (a counter on the model)",
           old="""    model.zero_grad()
    loss = mse_loss([model(x) for x in xs], ys)""",
           new="""    model._steps = getattr(model, "_steps", 0) + 1
    if model._steps % 2 == 1:          # gradient accumulation over two steps
        model.zero_grad()
    loss = mse_loss([model(x) for x in xs], ys)""",
           expect="the gradients were not reset before step"),
    Mutant("r18c m18c: train_step shuffles xs and ys separately (pairs broken), from its second call on",
           old="""    model.zero_grad()
    loss = mse_loss([model(x) for x in xs], ys)""",
           new="""    import random
    xs, ys = list(xs), list(ys)
    if getattr(model, "_epoch", 0):     # shuffle the batch after the first pass
        random.Random(7).shuffle(xs)
        random.Random(8).shuffle(ys)
    model._epoch = 1
    model.zero_grad()
    loss = mse_loss([model(x) for x in xs], ys)""",
           expect="the pairs (xs[i], ys[i]) were broken"),
    Mutant("r18c: train_step shuffles xs and ys with two different seeds (pairs broken)",
           old="""    model.zero_grad()
    loss = mse_loss([model(x) for x in xs], ys)""",
           new="""    import random
    xs, ys = list(xs), list(ys)
    random.Random(1).shuffle(xs)
    random.Random(2).shuffle(ys)
    model.zero_grad()
    loss = mse_loss([model(x) for x in xs], ys)""",
           expect="another order"),
]
MUTANTS += [
    Mutant("r18c: MLP memoises its outputs on the input's numbers (stale after the parameters are updated)",
           old="""        for layer in self.layers:
            x = layer(x)
        return x[0] if len(x) == 1 else x""",
           new="""        key = tuple(float(getattr(v, "data", v)) for v in x)
        memo = self.__dict__.setdefault("_memo", {})
        if key in memo:                    # this input was seen: reuse its outputs
            return memo[key]
        for layer in self.layers:
            x = layer(x)
        memo[key] = x[0] if len(x) == 1 else x
        return memo[key]""",
           expect="state kept between calls"),
    Mutant("r18c: Neuron copies its weights' numbers once (self._w = [w.data ...] on the first call)",
           old="        z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)",
           new="""        if not hasattr(self, "_wn"):
            self._wn = [w.data for w in self.w]      # numbers copied once
        z = sum((wi * xi for wi, xi in zip(self._wn, x)), self.b)""",
           expect="does not depend on w[0] through the graph"),
]
MUTANTS += [
    Mutant("r18c: mse_loss memoised on the identities of the predictions (stale after a training step)",
           old="    return sum((p - t) ** 2 for p, t in zip(preds, targets)) / len(preds)",
           new="""    memo = mse_loss.__dict__.setdefault("_memo", {})
    key = tuple(id(p) for p in preds)
    if key not in memo:                # the same predictions: the same loss
        memo[key] = sum((p - t) ** 2 for p, t in zip(preds, targets)) / len(preds)
    return memo[key]""",
           expect="state kept between calls"),
]

# Round 18 (m18g held-out set): an lr kept between calls, a neuron that re-creates its bias, a Layer over a set,
# layers mapped over x, small gradients skipped, exp in base 2.718; zero_grad re-running __init__ (accepted).
MUTANTS += [
    Mutant('g05-01 __mul__ records (self, self) as its parents (copy-paste: other never in the graph)', old='out = Value(self.data * other.data, (self, other), "*")', new='out = Value(self.data * other.data, (self, self), "*")', expect='parent'),
    Mutant('g05-02 Layer iterates over set(self.neurons) (outputs in hash order, not neuron order)', old='        return [neuron(x) for neuron in self.neurons]\n', new='        return [neuron(x) for neuron in set(self.neurons)]\n', expect='order'),
    Mutant('g05-03 exp with e written as 2.718 (2.718 ** a)', old='out = Value(math.exp(self.data), (self,), "exp")', new='out = Value(2.718 ** self.data, (self,), "exp")', expect='base 2.718'),
    Mutant('g05-04 MLP maps each layer over the inputs one by one (list(map(layer, x)))', old='        for layer in self.layers:\n            x = layer(x)\n        return x[0] if len(x) == 1 else x\n', new='        for layer in self.layers:\n            x = list(map(layer, x))\n        return x[0] if len(x) == 1 else x\n', expect='each layer must receive the whole list'),
    Mutant('g05-07 train_step skips the parameters whose gradient is small (|grad| <= 1e-3)', old='    for p in model.parameters():\n        p.data -= lr * p.grad\n', new='    for p in model.parameters():\n        if abs(p.grad) > 1e-3:\n            p.data -= lr * p.grad\n', expect='although its grad was'),
    Mutant('g05-08 train_step keeps the learning rate of its first call on the model (model.lr)', old='    for p in model.parameters():\n        p.data -= lr * p.grad\n', new="    if not hasattr(model, 'lr'):\n        model.lr = lr\n    for p in model.parameters():\n        p.data -= model.lr * p.grad\n", expect="FIRST call's learning rate"),
    Mutant('g05-12 Neuron resets its bias to a new Value(0) at every call (the bias never learns)', old='z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)', new="self.b = Value(0.0, label='b')\n        z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)", expect='replaced self.b'),
]
VARIANTS += [
    Variant("g05-v9 zero_grad re-runs each parameter's __init__ with its own data and label", old='        for p in self.parameters():\n            p.grad = 0.0\n', new='        for p in self.parameters():\n            p.__init__(p.data, label=p.label)\n'),
]

# Round 19 (m18l held-out set): float64 precision kept by every function that writes p.data / p.grad and by every
# operation; a reflected operation computed from self.data as a plain number (detached, or reached only through 0 * self).
MUTANTS += [
    Mutant("R19a-1 train_step casts the learning rate to np.float32 (parameters drift into float32)",
           old="        p.data -= lr * p.grad\n", new="        p.data -= np.float32(lr) * p.grad\n",
           expect="became numpy.float32"),
    Mutant("R19a-2 train_step resets the gradients itself as np.float32 zeros (backward accumulates in float32)",
           old="    model.zero_grad()\n    loss = mse_loss(",
           new="    for p in model.parameters():\n        p.grad = np.float32(0.0)\n    loss = mse_loss(",
           expect="p.grad became numpy.float32"),
    Mutant("R19a-3 zero_grad writes np.float32 zeros (later gradients accumulate in float32)",
           old="        for p in self.parameters():\n            p.grad = 0.0\n",
           new="        for p in self.parameters():\n            p.grad = np.float32(0.0)\n",
           expect="written as a float32 number"),
    Mutant("R19a-4 __rmul__ returns a detached leaf Value(other * self.data)",
           old="        return self * other\n        ### END SOLUTION\n\n    def __rsub__",
           new="        return Value(other * self.data)\n        ### END SOLUTION\n\n    def __rsub__",
           expect="does not depend on the Value in the graph"),
    Mutant("R19a-5 __rtruediv__ divides the number by self.data as a constant (other * (1 / self.data) + 0 * self)",
           old="        return other * self ** -1\n", new="        return other * (1 / self.data) + 0 * self\n",
           expect="self.data was used as a plain number"),
    Mutant("R19a-6 __rsub__ returns a detached leaf Value(other - self.data)",
           old="        return other + (-self)\n", new="        return Value(other - self.data)\n",
           expect="number - a is (-self) + other"),
    Mutant("R19a-7 __rsub__ subtracts self.data as a plain number (other - self.data + 0 * self)",
           old="        return other + (-self)\n", new="        return other - self.data + 0 * self\n",
           expect="self.data was used as a plain number"),
    Mutant("R19a-8 train_step returns the loss cast to np.float32",
           old="    return loss.data\n    ### END SOLUTION", new="    return np.float32(loss.data)\n    ### END SOLUTION",
           expect="returned the loss as numpy.float32"),
    Mutant("R19a-9 tanh's closure casts its local derivative to np.float32",
           old="            self.grad += (1 - t ** 2) * out.grad\n",
           new="            self.grad += np.float32(1 - t ** 2) * out.grad\n", expect="numpy.float32"),
    Mutant("R19a-10 __mul__'s closure computes in float32 (np.float32(other.data))",
           old="self.grad += other.data * out.grad", new="self.grad += np.float32(other.data) * out.grad",
           expect="numpy.float32"),
]
VARIANTS += [
    # lead's decision (round 19): tanh forms that overflow beyond |a| = 355 or 710 are accepted, like the zoo's
    # "(e2 - 1) / (e2 + 1)" and "2 / (1 + exp(-2a)) - 1"
    Variant("R19a-v1 tanh derivative as sech^2 through math.cosh (OverflowError for |a| > 710)",
            old="            self.grad += (1 - t ** 2) * out.grad\n",
            new="            self.grad += out.grad / math.cosh(self.data) ** 2\n"),
    Variant("R19a-v2 tanh forward through the exp(-2a) formula (1 - e)/(1 + e) (overflow for large negative a)",
            old="        t = math.tanh(self.data)\n",
            new="        e = math.exp(-2 * self.data)\n        t = (1 - e) / (1 + e)\n"),
]

# Round 19e (m19e held-out set): a Neuron that keeps its output between calls (stale after a parameter update)
# costs its own cell only (Layer, MLP and train_step judged with the documented neuron / model call lent); a loss
# returned by train_step that mixes in earlier calls.
MUTANTS += [
    Mutant("m19e-14 Neuron memoises its output by id(x) (speed-up; stale after a parameter update)",
           old='        z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)\n        if self.act == "tanh":\n'
               '            return z.tanh()\n        if self.act == "relu":\n            return z.relu()\n        return z',
           new=('        cache = self.__dict__.setdefault("_cache", {})\n'
                '        key = (id(x), len(x))\n'
                '        if key not in cache:\n'
                '            z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)\n'
                '            cache[key] = z.tanh() if self.act == "tanh" else z.relu() if self.act == "relu" else z\n'
                '        return cache[key]'),
           expect="the Neuron keeps a result between calls"),
    Mutant("r19e: Layer memoises its outputs by id(x)",
           old="        return [neuron(x) for neuron in self.neurons]",
           new=("        cache = self.__dict__.setdefault('_cache', {})\n"
                "        if id(x) not in cache:\n"
                "            cache[id(x)] = [neuron(x) for neuron in self.neurons]\n"
                "        return cache[id(x)]"),
           expect="the Layer keeps a result between calls"),
    Mutant("r19e: MLP memoises its output by the input's numbers (stale after a parameter update)",
           old="        for layer in self.layers:\n            x = layer(x)\n        return x[0] if len(x) == 1 else x",
           new=("        key = tuple(float(getattr(v, 'data', v)) for v in x)\n"
                "        cache = self.__dict__.setdefault('_cache', {})\n"
                "        if key not in cache:\n"
                "            for layer in self.layers:\n                x = layer(x)\n"
                "            cache[key] = x[0] if len(x) == 1 else x\n"
                "        return cache[key]"),
           expect=["the MLP keeps a result between calls", "state kept between calls"]),
    Mutant("m19e-06 train_step returns a running mean of the losses of every call (kept on the model)",
           old="        p.data -= lr * p.grad\n    return loss.data",
           new="        p.data -= lr * p.grad\n    model._seen = getattr(model, '_seen', []) + [loss.data]\n"
               "    return sum(model._seen) / len(model._seen)",
           expect="the returned loss mixes in earlier calls"),
]

# Round 20c (m20c held-out set): a sum over an iterator used up earlier, weights normalised in the neuron, a closure
# whose contribution is not proportional to out.grad (floor division, rounding), a reset that depends on the root's
# grad, parameters kept between train_step calls (a mutable default, a global list).
MUTANTS += [
    Mutant("c20-06 mse_loss consumes the zip iterator to count it (sum over an exhausted iterator)",
           old="    return sum((p - t) ** 2 for p, t in zip(preds, targets)) / len(preds)",
           new="    pairs = zip(preds, targets)\n    n = len(list(pairs))\n    return sum((p - t) ** 2 for p, t in pairs) / n",
           expect="a sum over NOTHING"),
    Mutant("c20-07 Neuron normalises its weight vector in the forward (w / ||w||)",
           old="        z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)",
           new="        norm = sum(wi * wi for wi in self.w) ** 0.5\n"
               "        z = sum((wi / norm * xi for wi, xi in zip(self.w, x)), self.b)",
           expect="the weights are normalised before the sum"),
    Mutant("c20-09 log backward with floor division (out.grad // self.data)",
           old="self.grad += out.grad / self.data", new="self.grad += out.grad // self.data",
           expect="floor division //"),
    Mutant("r20c: tanh backward rounds the contribution to a whole number (round(...))",
           old="self.grad += (1 - t ** 2) * out.grad", new="self.grad += round((1 - t ** 2) * out.grad)",
           expect="made a whole number"),
    Mutant("c20-13 train_step caches the parameter list in a mutable default (a second model updates the first's)",
           old="def train_step(model, xs, ys, lr):",
           new="def train_step(model, xs, ys, lr, _params=[]):",
           also=[("    for p in model.parameters():\n        p.data -= lr * p.grad",
                  "    if not _params:\n        _params.extend(model.parameters())\n"
                  "    for p in _params:\n        p.data -= lr * p.grad")],
           expect="keeps parameters from an earlier call"),
    Mutant("r20c: train_step keeps the parameter list of its first call in a global",
           old="def train_step(model, xs, ys, lr):",
           new="_KEPT_PARAMS = []\n\n\ndef train_step(model, xs, ys, lr):",
           also=[("    for p in model.parameters():\n        p.data -= lr * p.grad",
                  "    if not _KEPT_PARAMS:\n        _KEPT_PARAMS.extend(model.parameters())\n"
                  "    for p in _KEPT_PARAMS:\n        p.data -= lr * p.grad")],
           expect="keeps parameters from an earlier call"),
    Mutant("c20-16 backward resets the interior grads only when the root's grad is still 0 (first call)",
           old="        for node in topo:\n            if node._prev:",
           new="        for node in topo:\n            if node._prev and self.grad == 0:",
           expect="depends on the root's grad"),
]
VARIANTS += [
    Variant("r20c: mse_loss materialises the pairs once (list(zip(...))) and counts them",
            old="    return sum((p - t) ** 2 for p, t in zip(preds, targets)) / len(preds)",
            new="    pairs = list(zip(preds, targets))\n    return sum((p - t) ** 2 for p, t in pairs) / len(pairs)"),
    Variant("r20c: log backward multiplies by the reciprocal (out.grad * (1.0 / self.data))",
            old="self.grad += out.grad / self.data", new="self.grad += out.grad * (1.0 / self.data)"),
]
MUTANTS += [
    Mutant("r20c: zero_grad caches the parameter list in a mutable default (resets the first module's forever)",
           old="    def zero_grad(self):",
           new="    def zero_grad(self, _ps=[]):",
           also=[("        for p in self.parameters():\n            p.grad = 0.0",
                  "        if not _ps:\n            _ps.extend(self.parameters())\n        for p in _ps:\n"
                  "            p.grad = 0.0")],
           expect="zero_grad keeps parameters from an earlier call"),
]
MUTANTS += [
    Mutant("r20c: Neuron.parameters memoised in a default argument (every neuron returns the first one's)",
           old="    def parameters(self):\n        \"\"\"The nin weights and the bias: a list of nin + 1 Values.\"\"\"\n"
               "        ### BEGIN SOLUTION\n        return self.w + [self.b]",
           new="    def parameters(self, _ps=[]):\n        \"\"\"The nin weights and the bias: a list of nin + 1 Values.\"\"\"\n"
               "        ### BEGIN SOLUTION\n        if not _ps:\n            _ps.extend(self.w + [self.b])\n"
               "        return _ps",
           expect="none of them is one of this Neuron's own"),
    Mutant("r20c: Layer.parameters memoised in a class-level list (every Layer returns the first one's)",
           old="class Layer(Module):\n", new="class Layer(Module):\n    _ps = []\n",
           also=[("        return [p for neuron in self.neurons for p in neuron.parameters()]",
                  "        if not Layer._ps:\n"
                  "            Layer._ps.extend(p for neuron in self.neurons for p in neuron.parameters())\n"
                  "        return Layer._ps")],
           expect="none of them is a weight or bias of this layer's neurons"),
    Mutant("r20c: MLP.parameters memoised in a global list (every MLP returns the first one's)",
           old="class MLP(Module):\n", new="_MLP_PS = []\n\n\nclass MLP(Module):\n",
           also=[("        return [p for layer in self.layers for p in layer.parameters()]",
                  "        if not _MLP_PS:\n"
                  "            _MLP_PS.extend(p for layer in self.layers for p in layer.parameters())\n"
                  "        return _MLP_PS")],
           expect="none of them is a weight or bias of this MLP"),
]
VARIANTS += [
    Variant("r20c: Neuron.parameters cached on the instance (self._ps, the same Values each call)",
            old="    def parameters(self):\n        \"\"\"The nin weights and the bias: a list of nin + 1 Values.\"\"\"\n"
                "        ### BEGIN SOLUTION\n        return self.w + [self.b]",
            new="    def parameters(self):\n        \"\"\"The nin weights and the bias: a list of nin + 1 Values.\"\"\"\n"
                "        ### BEGIN SOLUTION\n        if not hasattr(self, '_ps'):\n"
                "            self._ps = self.w + [self.b]\n        return list(self._ps)"),
]

# Round 22b held-out set (15 mistakes, 8 variants; measured before the checks changed: 15/15 caught, 9/15 named,
# 8/8 variants full). Sources: nn-zero-to-hero issue 52 thread, CS231n sigmoid/relu backward habits, the hints of r21.
MUTANTS += [
    # hint r21: two number-only parts of the power rule exchanged: (k - 1) * x ** k
    Mutant("r22b held-out: pow_rule_k_and_k_minus_1_swapped",
           "self.grad += k * self.data ** (k - 1) * out.grad",
           "self.grad += (k - 1) * self.data ** k * out.grad",
           expect=("swapped", "exchanged", "(k - 1) * a ** k", "k - 1")),
    # exponent decremented the wrong way round: k * x ** (1 - k)
    Mutant("r22b held-out: pow_rule_exponent_one_minus_k",
           "self.grad += k * self.data ** (k - 1) * out.grad",
           "self.grad += k * self.data ** (1 - k) * out.grad",
           expect=("1 - k", "exponent")),
    # backward seeds the root with its own value (L) instead of dL/dL = 1
    Mutant("r22b held-out: backward_seed_with_root_value",
           "        self.grad += 1.0\n",
           "        self.grad += self.data\n",
           expect=("seed", "1.0", "dl/dl", "root's value", "its value")),
    # hint r21 (forward value = its own derivative): log10's rule 1 / (x ln 10) kept next to the natural log
    Mutant("r22b held-out: log_backward_log10_rule",
           "self.grad += out.grad / self.data",
           "self.grad += out.grad / (self.data * math.log(10))",
           expect=("log10", "ln 10", "ln(10)", "base 10")),
    # Neuron's 'linear' case falls through to tanh (only relu handled explicitly)
    Mutant("r22b held-out: neuron_linear_gets_tanh",
           "            return z.relu()\n        return z\n",
           "            return z.relu()\n        return z.tanh()\n",
           expect=("linear",)),
    # CS231n habit: sigmoid's derivative s * (1 - s) used for tanh
    Mutant("r22b held-out: tanh_backward_sigmoid_rule",
           "self.grad += (1 - t ** 2) * out.grad",
           "self.grad += t * (1 - t) * out.grad",
           expect=("sigmoid",)),
    # tanh's derivative as sech(x) (the square forgotten)
    Mutant("r22b held-out: tanh_backward_sech_not_squared",
           "self.grad += (1 - t ** 2) * out.grad",
           "self.grad += out.grad / math.cosh(self.data)",
           expect=("sech", "square", "cosh")),
    # relu's backward as relu of the incoming gradient (CS231n: np.maximum(0, dout))
    Mutant("r22b held-out: relu_backward_relu_of_grad",
           "self.grad += (out.data > 0) * out.grad",
           "self.grad += max(0.0, out.grad)",
           expect=("out.grad", "input", "sign of", "mask")),
    # a leaf's _backward left as None (nothing to do) instead of a no-op function
    Mutant("r22b held-out: leaf_backward_none",
           "        self._backward = lambda: None   # a leaf has nothing to propagate to",
           "        self._backward = None   # a leaf has nothing to propagate to",
           expect=("leaf", "none", "callable")),
    # __rsub__ with the operands the wrong way round (self - other), written with the number negated
    Mutant("r22b held-out: rsub_negates_the_number",
           "        return other + (-self)",
           "        return -other + self",
           expect=("order", "swapped", "self - other", "reversed", "wrong way")),
    # the seed assigned instead of added: a root that is itself a leaf does not accumulate
    Mutant("r22b held-out: backward_seed_assigned",
           "        self.grad += 1.0\n",
           "        self.grad = 1.0\n",
           expect=("seed", "+= 1", "add 1", "leaf")),
    # Neuron starts the sum from the bias's number: the bias is cut out of the graph
    Mutant("r22b held-out: neuron_bias_data",
           "z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)",
           "z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b.data)",
           expect=("bias",)),
    # train_step with the names exchanged: moves the gradient by the data
    Mutant("r22b held-out: train_step_grad_data_exchanged",
           "p.data -= lr * p.grad",
           "p.grad -= lr * p.data",
           expect=("p.data", "data", "not updated", "update")),
    # train_step updates the weights only (biases walked past by a hand-written loop)
    Mutant("r22b held-out: train_step_weights_only",
           "    for p in model.parameters():\n        p.data -= lr * p.grad",
           "    for p in [w for layer in model.layers for n in layer.neurons for w in n.w]:\n        p.data -= lr * p.grad",
           expect=("bias",)),
    # backward once per sample (SGD habit) instead of on the batch loss: the step is N times the mean gradient
    Mutant("r22b held-out: train_step_backward_per_sample",
           "    loss = mse_loss([model(x) for x in xs], ys)\n    loss.backward()\n",
           "    loss = mse_loss([model(x) for x in xs], ys)\n    for x, y in zip(xs, ys):\n        mse_loss([model(x)], [y]).backward()\n",
           expect=("per sample", "each sample", "times", "sum")),
]
VARIANTS += [
    Variant("r22b held-out: train_step_mse_arguments_swapped",
            "loss = mse_loss([model(x) for x in xs], ys)", "loss = mse_loss(ys, [model(x) for x in xs])"),
    Variant("r22b held-out: mse_each_term_divided",
            "return sum((p - t) ** 2 for p, t in zip(preds, targets)) / len(preds)",
            "return sum((p - t) ** 2 / len(preds) for p, t in zip(preds, targets))"),
    Variant("r22b held-out: rsub_wraps_number", "        return other + (-self)", "        return Value(other) - self"),
    Variant("r22b held-out: backward_resets_when_appended",
            "            if parents_done:\n                topo.append(node)\n",
            "            if parents_done:\n                topo.append(node)\n                if node._prev:\n                    node.grad = 0.0\n",
            also=(("        for node in topo:\n            if node._prev:\n                node.grad = 0.0   # interior node: forget what a previous call left there\n", ""),)),
    Variant("r22b held-out: mlp_unwrap_by_last_layer_width",
            "        return x[0] if len(x) == 1 else x",
            "        return x[0] if len(self.layers[-1].neurons) == 1 else x"),
    Variant("r22b held-out: layer_map", "        return [neuron(x) for neuron in self.neurons]",
            "        return list(map(lambda neuron: neuron(x), self.neurons))"),
    Variant("r22b held-out: neuron_parameters_bias_first", "        return self.w + [self.b]", "        return [self.b] + self.w"),
    Variant("r22b held-out: log_backward_abs", "self.grad += out.grad / self.data", "self.grad += out.grad / abs(self.data)"),
]
