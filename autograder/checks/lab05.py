"""Hidden checks of Lab 05 (a scalar autograd engine: Value, Neuron, Layer, MLP).

The objects are scalar ``Value``s, so inputs are random Python floats drawn from
``core.rng(tag)``, and gradients are compared with an analytic oracle written here and with
centred finite differences of the student's own forward pass.

Isolation: the operation checks do not use the student's ``backward()``; they run their
own reverse pass over the student's graph (``_prev`` and ``_backward``), so a broken
topological sort does not fail the ``+`` check.  The ``backward()`` checks build graphs
whose nodes carry *checker-written* ``_backward`` closures (through the documented
constructor ``Value(data, _children, _op)``), so they test the traversal alone and can see
in which order, and how often, each node was processed.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from . import core
from .core import fail

# Read by the grading sandbox's guard: the engine must be the student's own, not a library's.
FORBIDDEN_IMPORTS = ("micrograd", "torch", "jax", "autograd", "tensorflow")

_EPS = 1e-6
_RTOL, _ATOL = 1e-6, 1e-8

NOT_ATTACHED = ("no gradient reached the inputs: out._backward is still the do-nothing default. "
                "Is `out._backward = _backward` indented inside _backward itself? Then the "
                "closure is never attached to out and every gradient stays zero")
NOT_ACCUMULATED = ("gradients must accumulate with +=, not be overwritten with =: a Value that "
                   "already holds a gradient (or is used twice) must receive the sum of all "
                   "contributions")
IGNORES_OUT_GRAD = ("the local derivative was not multiplied by out.grad (chain rule): "
                    "parent.grad += local_derivative * out.grad")


# --------------------------------------------------------------------------- helpers
def _new(Value, data, children=(), op="", *, what="Value(...)"):
    """Construct a Value through the documented constructor, reporting failures by name."""
    try:
        return Value(data, tuple(children), op) if children or op else Value(data)
    except NotImplementedError:
        fail("Value.__init__ is not implemented yet (it raised NotImplementedError)")
    except Exception as exc:
        fail(f"{what} raised {core.error_kind(exc)}: {exc}")


def _data(v, Value, name: str) -> float:
    if v is None:
        fail(f"{name} returned None: did you forget a `return` statement?")
    if not core.is_instance(v, Value):
        fail(f"{name} must return a Value, got {core.describe(v)}")
    if not hasattr(v, "data"):
        fail(f"{name}: the result has no attribute .data")
    return core.expect_scalar(v.data, name=f"{name}.data")


def _grad(v, name: str) -> float:
    if not hasattr(v, "grad"):
        fail(f"{name} has no attribute .grad (set self.grad = 0.0 in __init__)")
    return core.expect_scalar(v.grad, name=f"{name}.grad")


def _parents(node) -> list:
    if not hasattr(node, "_prev"):
        fail("a Value has no attribute _prev: store the Values it was computed from in self._prev")
    try:
        return list(node._prev)
    except TypeError:
        fail("Value._prev must be a set or tuple of Values")


def _topo(root) -> list:
    """Checker's own iterative topological order (parents before children)."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in _parents(node) if id(p) not in seen)
    return order


def _reverse_pass(root, seed: float, name: str) -> None:
    """Propagate ``seed`` from root with the student's _backward closures, not their backward()."""
    order = _topo(root)
    root.grad = seed
    for node in reversed(order):
        fn = getattr(node, "_backward", None)
        if not callable(fn):
            fail(f"{name}: a Value has no callable _backward (a leaf's is `lambda: None`)")
        core.call(fn, name=f"the _backward closure of {name}")


WRAP_NUMBER = ("a plain number must be wrapped in a Value first "
               "(other = other if isinstance(other, Value) else Value(other))")


def _run(fn: Callable[[], Any], name: str, hint: str | None = None):
    try:
        return core.call(fn, name=name)
    except core.CheckFailure as exc:
        if hint and "not implemented" not in str(exc):
            fail(f"{exc}: {hint}")
        raise


def _fd(f: Callable[[float], float], x: float) -> float:
    """Centred finite difference of a scalar function of one float (core's, float64)."""
    arr = np.array([x], dtype=np.float64)
    return float(core.numerical_gradient(lambda a: f(float(a[0])), arr, eps=_EPS)[0])


def _expect(got: float, want: float, name: str, diagnose=None, rtol=_RTOL, atol=_ATOL):
    core.expect_close(got, want, name=name, rtol=rtol, atol=atol, diagnose=diagnose)


# --------------------------------------------------------------------------- one operation
def _check_op(Value, build: Callable, forward: Callable, local: Callable, xs: list[float],
              name: str, diagnose_value=None, diagnose_local=None, hint=None):
    """``build(*leaves) -> Value``; ``forward(*floats)`` and ``local(*floats)`` (tuple of partials)
    are the oracle.  Checks the value, then gradients with a random seed on top of random
    pre-existing gradients (accumulation), then finite differences of the student's forward."""
    r = core.rng(f"lab05:{name}:{xs}")
    leaves = [_new(Value, x) for x in xs]
    out = _run(lambda: build(*leaves), name, hint)
    got = _data(out, Value, name)
    _expect(got, forward(*xs), f"{name}.data",
            diagnose={m: (lambda f=f: f(*xs)) for m, f in (diagnose_value or {}).items()})
    if any(out is leaf for leaf in leaves):
        fail(f"{name} returned its input itself instead of a new Value")
    seed = float(r.uniform(0.5, 2.0)) * (1 if r.random() < 0.5 else -1)
    pre = [float(r.uniform(-1, 1)) for _ in leaves]
    for leaf, p in zip(leaves, pre):
        leaf.grad = p
    _reverse_pass(out, seed, name)
    want = local(*xs)
    grads = [_grad(leaf, f"{name}: the input's") for leaf in leaves]
    for i, (g, p, w) in enumerate(zip(grads, pre, want)):
        arg = f"d({name})/d(input {i + 1})"
        if abs(w) > 1e-6 and all(abs(gg - pp) < 1e-12 for gg, pp in zip(grads, pre)):
            fail(f"{name}: {NOT_ATTACHED}")
        wrong = {NOT_ACCUMULATED: seed * w,
                 IGNORES_OUT_GRAD: p + w}
        for msg, fn in (diagnose_local or {}).items():
            wrong[msg] = (lambda fn=fn, i=i: p + seed * fn(*xs)[i])
        _expect(g, p + seed * w, arg, diagnose=wrong)
    # The gradient must also match the student's own forward pass (finite differences).
    for i, x in enumerate(xs):
        def f(t, i=i):
            args = list(xs)
            args[i] = t
            return float(build(*[_new(Value, a) for a in args]).data)
        num = _fd(f, x)
        if not core.close(grads[i] - pre[i], seed * num, 1e-5, 1e-6):
            fail(f"{name}: the gradient {(grads[i] - pre[i]) / seed:.6g} disagrees with the finite "
                 f"difference {num:.6g} of your own forward pass")


def value_init(Value) -> None:
    """A new leaf: data stored as a number, grad 0, no parents, empty op label."""
    r = core.rng("lab05:init")
    for x in (float(r.normal()), 3, -0.25):
        v = _new(Value, x)
        _expect(core.expect_scalar(v.data, name="Value(x).data"), x, "Value(x).data")
        if _grad(v, "Value(x)") != 0:
            fail("a new Value must start with grad = 0.0")
        if _parents(v):
            fail("a leaf Value(x) must have no parents (_prev empty)")
        if getattr(v, "_op", None) != "":
            fail("a leaf Value(x) must have the empty op label _op = ''")
        if not callable(getattr(v, "_backward", None)):
            fail("a leaf needs a _backward that does nothing, e.g. lambda: None")
        core.call(v._backward, name="a leaf's _backward")
        if v.grad != 0:
            fail("a leaf's _backward must do nothing")
    a, b = _new(Value, 1.0), _new(Value, 2.0)
    c = _new(Value, 3.0, (a, b), "+", what="Value(3.0, (a, b), '+')")
    ids = sorted(id(p) for p in _parents(c))
    if ids != sorted((id(a), id(b))):
        fail("Value(data, (a, b), op) must remember exactly a and b as its parents in _prev")
    if getattr(c, "_op", None) != "+":
        fail("Value(data, children, op) must store the op label in _op")


def _binary(Value, op_name, build, forward, local, pairs, **kw):
    for x, y in pairs:
        _check_op(Value, build, forward, local, [x, y], op_name, **kw)


def _number_side(Value, build, forward, local, xs, name, **kw):
    """Operations with a plain number on one side: only the Value gets a gradient."""
    _check_op(Value, build, forward, local, xs, name, hint=WRAP_NUMBER, **kw)


def _pairs(tag: str, k: int = 3, lo: float = -2.0, hi: float = 2.0) -> list[tuple[float, float]]:
    r = core.rng(tag)
    return [(float(r.uniform(lo, hi)), float(r.uniform(lo, hi))) for _ in range(k)]


def _label(Value, build, name):
    out = _run(build, name)
    _data(out, Value, name)
    op = getattr(out, "_op", None)
    if not isinstance(op, str) or not op:
        fail(f"{name}: the result must carry a non-empty op label _op (e.g. '+'), for the graph drawing")


def add(Value) -> None:
    """a + b, a + number, number + a (``__radd__``) and a + a."""
    _binary(Value, "a + b", lambda a, b: a + b, lambda a, b: a + b, lambda a, b: (1.0, 1.0),
            _pairs("lab05:add"))
    _label(Value, lambda: _new(Value, 1.0) + _new(Value, 2.0), "a + b")
    c = float(core.rng("lab05:add:c").uniform(1, 3))
    _number_side(Value, lambda a: a + c, lambda a: a + c, lambda a: (1.0,), [0.7], "a + number")
    _number_side(Value, lambda a: c + a, lambda a: c + a, lambda a: (1.0,), [-1.3],
                 "number + a (__radd__)")
    _check_op(Value, lambda a: a + a, lambda a: 2 * a, lambda a: (2.0,), [0.4], "a + a")


def mul(Value) -> None:
    """a * b, a * number, number * a (``__rmul__``) and a * a."""
    _binary(Value, "a * b", lambda a, b: a * b, lambda a, b: a * b, lambda a, b: (b, a),
            _pairs("lab05:mul"),
            diagnose_local={"a * b: the gradients are swapped: d(a*b)/da = b, d(a*b)/db = a":
                            lambda a, b: (a, b)})
    _label(Value, lambda: _new(Value, 1.0) * _new(Value, 2.0), "a * b")
    c = float(core.rng("lab05:mul:c").uniform(1.5, 3))
    _number_side(Value, lambda a: a * c, lambda a: a * c, lambda a: (c,), [0.8], "a * number")
    _number_side(Value, lambda a: c * a, lambda a: c * a, lambda a: (c,), [-1.1],
                 "number * a (__rmul__)")
    _check_op(Value, lambda a: a * a, lambda a: a * a, lambda a: (2 * a,), [1.7], "a * a")


def power(Value) -> None:
    """a ** k for integer, negative and fractional k."""
    r = core.rng("lab05:pow")
    for k in (2, 3, 1, -1, -2, 0.5, 1.5):
        x = float(r.uniform(0.3, 2.0))
        if isinstance(k, int) and k % 2 == 1:
            x = -x   # odd integer powers of negative numbers too
        _check_op(Value, lambda a, k=k: a ** k, lambda a, k=k: a ** k,
                  lambda a, k=k: (k * a ** (k - 1),), [x], f"a ** {k}",
                  diagnose_local={"power rule off by one: d(a**k)/da = k * a**(k-1), not k * a**k":
                                  lambda a, k=k: (k * a ** k,),
                                  "power rule: d(a**k)/da = k * a**(k-1), the factor k is missing":
                                  lambda a, k=k: (a ** (k - 1),)})
    _label(Value, lambda: _new(Value, 2.0) ** 2, "a ** 2")


def sub_neg(Value) -> None:
    """-a, a - b, a - number and number - a (``__rsub__``)."""
    _check_op(Value, lambda a: -a, lambda a: -a, lambda a: (-1.0,), [0.9], "-a")
    _binary(Value, "a - b", lambda a, b: a - b, lambda a, b: a - b, lambda a, b: (1.0, -1.0),
            _pairs("lab05:sub"),
            diagnose_value={"a - b computed b - a: swapped operands in __sub__": lambda a, b: b - a})
    r = core.rng("lab05:sub:c")
    c, x = float(r.uniform(2, 4)), float(r.uniform(-1, 1))
    _number_side(Value, lambda a: a - c, lambda a: a - c, lambda a: (1.0,), [x], "a - number")
    _number_side(Value, lambda a: c - a, lambda a: c - a, lambda a: (-1.0,), [x], "number - a",
                 diagnose_value={"number - a: __rsub__ swapped its operands, it computed "
                                 "a - number (Python calls a.__rsub__(number) for number - a)":
                                 lambda a: a - c})


def div(Value) -> None:
    """a / b, a / number and number / a (``__rtruediv__``)."""
    pairs = [(x, y if abs(y) > 0.5 else y + 1.5) for x, y in _pairs("lab05:div")]
    _binary(Value, "a / b", lambda a, b: a / b, lambda a, b: a / b,
            lambda a, b: (1 / b, -a / b ** 2), pairs)
    r = core.rng("lab05:div:c")
    c, x = float(r.uniform(2, 4)), float(r.uniform(0.5, 1.5))
    _number_side(Value, lambda a: a / c, lambda a: a / c, lambda a: (1 / c,), [x], "a / number")
    _number_side(Value, lambda a: c / a, lambda a: c / a, lambda a: (-c / a ** 2,), [x],
                 "number / a",
                 diagnose_value={"number / a: __rtruediv__ swapped its operands, it computed "
                                 "a / number (Python calls a.__rtruediv__(number) for number / a)":
                                 lambda a: a / c})


def _unary(Value, method: str, forward, local, xs, **kw):
    for x in xs:
        def build(a, method=method):
            fn = getattr(a, method, None)
            if fn is None:
                fail(f"Value has no method {method}()")
            return fn()
        _check_op(Value, build, forward, local, [x], f"a.{method}()", **kw)
    _label(Value, lambda: getattr(_new(Value, 0.5), method)(), f"a.{method}()")


def tanh(Value) -> None:
    r = core.rng("lab05:tanh")
    xs = [float(r.uniform(-2.5, 2.5)) for _ in range(3)] + [0.0]
    _unary(Value, "tanh", math.tanh, lambda a: (1 - math.tanh(a) ** 2,), xs,
           diagnose_local={"tanh derivative must use the output t = tanh(a): 1 - t**2, "
                           "not the input 1 - a**2": lambda a: (1 - a ** 2,),
                           "tanh derivative is 1 - t**2, not 1 - t": lambda a: (1 - math.tanh(a),)})


def exp_log(Value) -> None:
    r = core.rng("lab05:explog")
    _unary(Value, "exp", math.exp, lambda a: (math.exp(a),),
           [float(r.uniform(-2, 2)) for _ in range(3)],
           diagnose_local={"exp derivative is exp(a) (out.data), not a": lambda a: (a,)})
    _unary(Value, "log", math.log, lambda a: (1 / a,), [float(r.uniform(0.2, 3)) for _ in range(3)],
           diagnose_local={"log derivative is 1/a (the input), not 1/log(a)":
                           lambda a: (1 / math.log(a),),
                           "log derivative is 1/a, not a": lambda a: (a,)})


def relu(Value) -> None:
    r = core.rng("lab05:relu")
    xs = [float(r.uniform(0.1, 2)), -float(r.uniform(0.1, 2)), float(r.uniform(0.1, 2)),
          -float(r.uniform(0.1, 2))]
    _unary(Value, "relu", lambda a: max(a, 0.0), lambda a: (1.0 if a > 0 else 0.0,), xs,
           diagnose_value={"relu must return 0 for negative inputs": lambda a: a},
           diagnose_local={"relu derivative must be 0 for negative inputs (the gradient "
                           "only passes where the input is > 0)": lambda a: (1.0,)})


# --------------------------------------------------------------------------- backward()
class _Graph:
    """A random expression DAG built from checker closures on the student's Value class."""

    def __init__(self, Value, r: np.random.Generator, n_leaves: int, n_ops: int,
                 reuse: float = 0.3):
        self.nodes, self.local, self.parents, self.kinds = [], [], [], []
        self.calls: list[int] = []
        for _ in range(n_leaves):
            self._add(Value, float(r.uniform(-1.5, 1.5)), (), "", ())
        for _ in range(n_ops):
            n = len(self.nodes)
            i = int(n - 1 - min(r.geometric(0.4) - 1, n - 1))      # mostly recent nodes: depth
            j = i if r.random() < reuse else int(r.integers(0, n))  # sometimes the same node twice
            kind = str(r.choice(["+", "*", "tanh"]))
            a, b = self.nodes[i].data, self.nodes[j].data
            if kind == "+":
                self._add(Value, a + b, (i, j), "+", (1.0, 1.0))
            elif kind == "*":
                self._add(Value, a * b, (i, j), "*", (b, a))
            else:
                t = math.tanh(a)
                self._add(Value, t, (i,), "tanh", (1 - t * t,))
        self.root = len(self.nodes) - 1

    def _add(self, Value, data, parents, op, local):
        k = len(self.nodes)
        node = _new(Value, data, [self.nodes[p] for p in parents], op,
                    what="Value(data, _children, _op)")
        if parents:
            node._backward = self._closure(k, node, parents, local)
        self.nodes.append(node)
        self.parents.append(parents)
        self.local.append(local)
        self.kinds.append(op)

    def evaluate(self, leaf_values) -> float:
        """The root's value as a plain function of the leaves (for finite-difference tests)."""
        vals = list(leaf_values)
        for k in range(len(vals), len(self.nodes)):
            ps = [vals[p] for p in self.parents[k]]
            kind = self.kinds[k]
            vals.append(ps[0] + ps[1] if kind == "+" else ps[0] * ps[1] if kind == "*"
                        else math.tanh(ps[0]))
        return vals[self.root]

    def _closure(self, k, node, parents, local):
        nodes, calls = self.nodes, self.calls

        def _backward():
            calls.append(k)
            for p, d in zip(parents, local):
                nodes[p].grad += d * node.grad
        return _backward

    def adjoints(self) -> np.ndarray:
        """Oracle: d root / d node for every node (creation order is topological)."""
        adj = np.zeros(len(self.nodes))
        adj[self.root] = 1.0
        for k in range(self.root, -1, -1):
            for p, d in zip(self.parents[k], self.local[k]):
                adj[p] += adj[k] * d
        return adj

    def reachable(self) -> set[int]:
        seen, stack = {self.root}, [self.root]
        while stack:
            for p in self.parents[stack.pop()]:
                if p not in seen:
                    seen.add(p)
                    stack.append(p)
        return seen

    def grads(self) -> np.ndarray:
        return np.array([_grad(n, "a node") for n in self.nodes])


def _call_backward(root, name: str) -> None:
    fn = getattr(root, "backward", None)
    if not callable(fn):
        fail("Value has no backward() method")
    try:
        with core.numerics(name):
            fn()
    except RecursionError:
        fail(f"{name} hit Python's recursion limit: build the topological order iteratively, "
             f"with an explicit stack, instead of a recursive function")
    except core.CheckFailure:
        raise
    except NotImplementedError:
        fail("backward() is not implemented yet (it raised NotImplementedError)")
    except Exception as exc:
        fail(f"{name} raised {core.error_kind(exc)}: {exc}")


def _check_order(g: _Graph, name: str) -> None:
    """Every reachable interior node processed exactly once, after all of its consumers."""
    reach = g.reachable()
    interior = {k for k in reach if g.parents[k]}
    counts: dict[int, int] = {}
    for k in g.calls:
        counts[k] = counts.get(k, 0) + 1
    if any(c > 1 for c in counts.values()):
        fail(f"{name}: a node's _backward ran more than once: a node reached through two paths "
             f"must be visited once (keep a visited set in the topological sort)")
    missing = interior - set(counts)
    if missing:
        fail(f"{name}: _backward was never called for {len(missing)} node(s) of the graph: the "
             f"topological sort must include every node reachable through _prev")
    pos = {k: i for i, k in enumerate(g.calls)}
    for k in interior:
        for p in g.parents[k]:
            if p in pos and pos[p] < pos[k]:
                fail(f"{name}: a node's _backward ran before the _backward of a node that uses it, "
                     f"so its gradient was still incomplete: call _backward in *reverse* "
                     f"topological order (outputs first)")


def _compare_grads(g: _Graph, got: np.ndarray, want: np.ndarray, name: str) -> None:
    reach = sorted(g.reachable())
    if abs(got[g.root] - want[g.root]) > 1e-9 and abs(got[g.root]) < 1e-12:
        fail(f"{name}: root.grad is 0 after backward(): seed the root with self.grad = 1 "
             f"before calling the _backward closures")
    if not core.close(got[g.root], want[g.root], 1e-9, 1e-12):
        fail(f"{name}: after backward() the root's grad must be 1 (d root / d root), "
             f"got {got[g.root]:.6g}")
    core.expect_close(got[reach], want[reach], name=f"{name}: gradients", rtol=1e-7, atol=1e-9)


def backward(Value) -> None:
    """Random DAGs (reuse, diamonds, unused nodes): order, seed and gradients of backward()."""
    for t, (n_leaves, n_ops) in enumerate([(1, 1), (2, 6), (3, 25), (5, 60)]):
        r = core.rng(f"lab05:backward:{t}")
        g = _Graph(Value, r, n_leaves, n_ops)
        name = f"backward() on a random {n_leaves + n_ops}-node graph"
        _call_backward(g.nodes[g.root], name)
        _check_order(g, name)
        _compare_grads(g, g.grads(), g.adjoints(), name)
    # A leaf that is the root: d x / d x = 1
    x = _new(Value, 0.3)
    _call_backward(x, "x.backward() on a leaf")
    if not core.close(_grad(x, "x"), 1.0, 1e-12, 1e-12):
        fail(f"x.backward() on a leaf x must give x.grad = 1, got {x.grad:.6g}: seed the root "
             f"with self.grad = 1")


def backward_reuse(Value) -> None:
    """Your own operations with your backward(): a + a, a * a, diamonds, finite differences."""
    r = core.rng("lab05:reuse")
    a0, b0, c0 = (float(v) for v in r.uniform(0.3, 1.5, size=3))

    def build(a, b, c):
        d = a * b                 # a diamond: d feeds e and f, which meet in g
        e = d + c
        f = d * d
        g = (e * f + a + a).tanh() + e / b
        return g
    cases = [
        ("a + a", lambda a, b, c: a + a, lambda a, b, c: (2.0, 0.0, 0.0)),
        ("a * a", lambda a, b, c: a * a, lambda a, b, c: (2 * a, 0.0, 0.0)),
        ("(a * b) + (a * c)", lambda a, b, c: a * b + a * c, lambda a, b, c: (b + c, a, a)),
        ("a diamond graph", build, None),
    ]
    for name, fn, oracle in cases:
        leaves = [_new(Value, v) for v in (a0, b0, c0)]
        out = _run(lambda: fn(*leaves), name)
        _data(out, Value, name)
        _call_backward(out, f"backward() of {name}")
        got = np.array([_grad(v, name) for v in leaves])
        num = np.array([_fd(lambda t, i=i: float(fn(*[_new(Value, t if j == i else v)
                                                       for j, v in enumerate((a0, b0, c0))]).data),
                            v) for i, v in enumerate((a0, b0, c0))])
        want = np.array(oracle(a0, b0, c0)) if oracle else num
        diag = {}
        if name == "a + a":
            diag[f"a + a must give a.grad = 2 (a is used twice): {NOT_ACCUMULATED}"] = [1.0, 0, 0]
        if name == "a * a":
            diag[f"a * a must give a.grad = 2a: {NOT_ACCUMULATED}"] = [a0, 0, 0]
        core.expect_close(got, want, name=f"gradients of {name} after backward()", rtol=1e-5,
                          atol=1e-7, diagnose=diag)
        if not core.close(got, num, 1e-5, 1e-6):
            fail(f"backward() of {name} disagrees with finite differences of your forward pass")


def backward_deep(Value) -> None:
    """A 10,000-node chain: the topological sort must not recurse."""
    r = core.rng("lab05:deep")
    n = 10_000
    signs = np.where(r.random(n) < 0.5, -1.0, 1.0)
    x = _new(Value, 0.5)
    node, nodes = x, [x]
    for i in range(n):
        nxt = _new(Value, node.data * signs[i], (node,), "*±1")

        def _backward(nxt=nxt, node=node, s=signs[i]):
            node.grad += s * nxt.grad
        nxt._backward = _backward
        nodes.append(nxt)
        node = nxt
    _call_backward(node, "backward() on a 10,000-node chain")
    want = float(np.prod(signs))
    if not core.close(_grad(x, "the chain's input"), want, 1e-12, 1e-12):
        fail(f"backward() on a 10,000-node chain: the input's gradient should be {want:+g}, "
             f"got {x.grad:.6g}")
    # and a deep chain of your own operations
    y = _new(Value, 0.2)
    z = y
    for _ in range(n // 2):
        z = z + 0.001
    _call_backward(z, "backward() on a chain of 5,000 additions")
    if not core.close(_grad(y, "the chain's input"), 1.0, 1e-9, 1e-12):
        fail(f"backward() on a chain of 5,000 additions: the input's gradient should be 1, "
             f"got {y.grad:.6g}")


def backward_repeat(Value) -> None:
    """Documented semantics: leaf gradients accumulate over calls; interior ones are reset."""
    for t, (n_leaves, n_ops) in enumerate([(2, 8), (4, 40)]):
        g = _Graph(Value, core.rng(f"lab05:repeat:{t}"), n_leaves, n_ops)
        root = g.nodes[g.root]
        want = g.adjoints()
        is_leaf = np.array([not p for p in g.parents])
        reach = np.array(sorted(g.reachable()))
        _call_backward(root, "the first backward()")
        _call_backward(root, "a second backward()")
        got = g.grads()
        expected = np.where(is_leaf, 2 * want, want)
        leaf_idx = reach[is_leaf[reach]]
        if not core.close(got[leaf_idx], expected[leaf_idx], 1e-7, 1e-9):
            if core.close(got[leaf_idx], want[leaf_idx], 1e-7, 1e-9):
                fail("after two backward() calls leaf gradients must have accumulated to twice "
                     "the gradient (they were reset or overwritten instead): leaves keep their "
                     "grad, only interior nodes are reset to 0 at the start of backward()")
            fail("repeated backward(): after two calls each leaf must hold exactly twice its "
                 "gradient. Reset the grad of every interior node (one with parents) to 0 at the "
                 "start of backward(), otherwise the first call's interior gradients are "
                 "propagated a second time")
        int_idx = reach[~is_leaf[reach]]
        if not core.close(got[int_idx], want[int_idx], 1e-7, 1e-9):
            fail("repeated backward(): interior nodes must hold the gradient of the last call "
                 "only: reset their grad to 0 at the start of backward()")
        # zero the leaves by hand, call again: back to one gradient
        for k in np.flatnonzero(is_leaf):
            g.nodes[k].grad = 0.0
        _call_backward(root, "backward() after zeroing the leaves")
        if not core.close(g.grads()[reach], want[reach], 1e-7, 1e-9):
            fail("after zeroing the leaves' grads, backward() must give the plain gradient again")


# --------------------------------------------------------------------------- modules
def _act(name: str, z: np.ndarray) -> np.ndarray:
    return np.tanh(z) if name == "tanh" else np.maximum(z, 0.0) if name == "relu" else z


def _act_grad(name: str, z: np.ndarray) -> np.ndarray:
    if name == "tanh":
        return 1 - np.tanh(z) ** 2
    return (z > 0).astype(float) if name == "relu" else np.ones_like(z)


def _param_list(module, name: str, Value) -> list:
    fn = getattr(module, "parameters", None)
    if not callable(fn):
        fail(f"{name} has no parameters() method")
    ps = core.call(fn, name=f"{name}.parameters()")
    if ps is None:
        fail(f"{name}.parameters() returned None: did you forget a `return` statement?")
    ps = list(ps)
    if not all(core.is_instance(p, Value) for p in ps):
        fail(f"{name}.parameters() must return a list of Values")
    return ps


def _neuron_arrays(neuron, Value) -> tuple[list, Any]:
    w = getattr(neuron, "w", None)
    b = getattr(neuron, "b", None)
    if not isinstance(w, list) or not core.is_instance(b, Value):
        fail("a Neuron must keep its weights in self.w (list of Values) and its bias in self.b")
    return w, b


def _expect_same_params(got: list, want: list, name: str, biases: list) -> None:
    gid, wid = [id(p) for p in got], [id(p) for p in want]
    if len(set(gid)) != len(gid):
        fail(f"{name}.parameters() lists a parameter more than once")
    if set(gid) == set(wid):
        return
    missing = set(wid) - set(gid)
    if missing and missing <= {id(b) for b in biases}:
        fail(f"{name}.parameters() is missing the bias(es): include b as well as the weights w")
    if missing:
        fail(f"{name}.parameters() is missing {len(missing)} of its {len(wid)} parameters")
    fail(f"{name}.parameters() returns Values that are not its weights and biases")


def neuron(Neuron, Value) -> None:
    r = core.rng("lab05:neuron")
    for nin, act in [(1, "tanh"), (3, "relu"), (5, "tanh"), (4, "linear")]:
        n = core.call(Neuron, nin, act=act, rng=np.random.default_rng(0), name=f"Neuron({nin})")
        w, b = _neuron_arrays(n, Value)
        if len(w) != nin:
            fail(f"Neuron({nin}) must have {nin} weights, got {len(w)}")
        wv, bv = r.normal(size=nin), float(r.normal() * 0.5)
        for wi, v in zip(w, wv):
            wi.data = float(v)
        b.data = bv
        xv = r.normal(size=nin)
        if act == "relu":   # make sure both sides of relu are exercised
            xv = xv if float(wv @ xv + bv) > 0 else -xv
            if float(wv @ xv + bv) <= 0:
                b.data = bv = bv + 1.0 - float(wv @ xv + bv)
        z = float(wv @ xv + bv)
        name = f"Neuron({nin}, act={act!r})(x)"
        xs = [_new(Value, v) for v in xv]
        out = _run(lambda: n(xs), name)
        got = _data(out, Value, name)
        _expect(got, float(_act(act, np.array(z))), name,
                diagnose={"the neuron forgot its activation: return act(w . x + b)": z,
                          "the neuron forgot the bias b": float(_act(act, np.array(z - bv)))})
        out_numbers = _run(lambda: n([float(v) for v in xv]), f"{name} with plain numbers in x")
        _expect(_data(out_numbers, Value, name), got, f"{name} with x a list of plain numbers")
        _reverse_pass(out, 1.0, name)
        dz = float(_act_grad(act, np.array(z)))
        core.expect_close(np.array([_grad(v, "w") for v in w]), dz * xv, name=f"d({name})/dw")
        core.expect_close(_grad(b, "b"), dz, name=f"d({name})/db")
        core.expect_close(np.array([_grad(v, "x") for v in xs]), dz * wv, name=f"d({name})/dx")
        _expect_same_params(_param_list(n, "Neuron", Value), w + [b], "Neuron", [b])
        if len(_param_list(n, "Neuron", Value)) != nin + 1:
            fail(f"Neuron({nin}).parameters() must have {nin + 1} entries (weights and bias)")


def _mlp_structure(model, nin, nouts, Value):
    layers = getattr(model, "layers", None)
    if not isinstance(layers, list) or len(layers) != len(nouts):
        fail(f"MLP({nin}, {nouts}) must keep its {len(nouts)} Layers in self.layers")
    Ws, bs, biases, weights = [], [], [], []
    sizes = [nin] + list(nouts)
    for L, layer in enumerate(layers):
        neurons = getattr(layer, "neurons", None)
        if not isinstance(neurons, list) or len(neurons) != sizes[L + 1]:
            fail(f"layer {L} must keep its {sizes[L + 1]} Neurons in self.neurons")
        cols = [_neuron_arrays(n, Value) for n in neurons]
        if any(len(w) != sizes[L] for w, _ in cols):
            fail(f"the neurons of layer {L} must each have {sizes[L]} weights")
        Ws.append([[w[i] for w, _ in cols] for i in range(sizes[L])])     # (in, out) of Values
        bs.append([b for _, b in cols])
        biases += [b for _, b in cols]
        weights += [wi for w, _ in cols for wi in w]
    return Ws, bs, weights, biases


def _set_random(Ws, bs, r) -> tuple[list, list]:
    Wn, bn = [], []
    for W, b in zip(Ws, bs):
        arr = r.normal(size=(len(W), len(W[0]))) / math.sqrt(len(W))
        barr = r.normal(size=(1, len(b))) * 0.3
        for i, row in enumerate(W):
            for j, v in enumerate(row):
                v.data = float(arr[i, j])
        for j, v in enumerate(b):
            v.data = float(barr[0, j])
        Wn.append(arr)
        bn.append(barr)
    return Wn, bn


def _np_forward(Wn, bn, X, act="tanh"):
    hs, zs = [X], []
    for W, b in zip(Wn, bn):
        zs.append(hs[-1] @ W + b)
        hs.append(_act(act, zs[-1]))
    return hs, zs


def mlp(MLP, Layer, Value) -> None:
    r = core.rng("lab05:mlp")
    # Layer on its own: a list of nout Values
    layer = core.call(Layer, 3, 2, act="tanh", rng=np.random.default_rng(1), name="Layer(3, 2)")
    xv = r.normal(size=3)
    out = _run(lambda: layer([float(v) for v in xv]), "Layer(3, 2)(x)")
    if not isinstance(out, list) or len(out) != 2:
        fail("Layer(3, 2)(x) must return a list of 2 Values (one per neuron)")
    for nin, nouts, act in [(3, [4, 4, 1], "tanh"), (2, [3, 2], "relu"), (1, [1], "tanh")]:
        name = f"MLP({nin}, {nouts}, act={act!r})"
        model = core.call(MLP, nin, nouts, act=act, rng=np.random.default_rng(2), name=name)
        Ws, bs, weights, biases = _mlp_structure(model, nin, nouts, Value)
        Wn, bn = _set_random(Ws, bs, r)
        X = r.normal(size=(1, nin))
        hs, _ = _np_forward(Wn, bn, X, act)
        out = _run(lambda: model([float(v) for v in X[0]]), f"{name}(x)")
        if nouts[-1] == 1:
            got = _data(out, Value, f"{name}(x) (one output: a single Value)")
            _expect(got, float(hs[-1][0, 0]), f"{name}(x)")
        else:
            if not isinstance(out, list) or len(out) != nouts[-1]:
                fail(f"{name}(x) must return a list of {nouts[-1]} Values")
            got = np.array([_data(o, Value, f"{name}(x)") for o in out])
            core.expect_close(got, hs[-1][0], name=f"{name}(x)")
        ps = _param_list(model, name, Value)
        _expect_same_params(ps, weights + biases, "MLP", biases)
        count = sum((a + 1) * b for a, b in zip([nin] + nouts[:-1], nouts))
        if len(ps) != count:
            fail(f"{name}.parameters() must have {count} entries, got {len(ps)}")


def zero_grad(MLP, Value) -> None:
    r = core.rng("lab05:zero")
    model = core.call(MLP, 2, [3, 1], rng=np.random.default_rng(3), name="MLP(2, [3, 1])")
    ps = _param_list(model, "MLP", Value)
    data = [p.data for p in ps]
    for p in ps:
        p.grad = float(r.normal())
    core.call(model.zero_grad, name="model.zero_grad()")
    after = _param_list(model, "MLP", Value)
    if [id(p) for p in after] != [id(p) for p in ps]:
        fail("zero_grad() must reset the gradients of the existing parameters, not replace them")
    if [p.data for p in ps] != data:
        fail("zero_grad() changed the parameters' data: it must set p.grad = 0, not p.data")
    if any(_grad(p, "a parameter") != 0 for p in ps):
        fail("after zero_grad() every parameter must have grad 0")


def mse(mse_loss, Value) -> None:
    r = core.rng("lab05:mse")
    for n in (1, 4, 7):
        pv, tv = r.normal(size=n), r.normal(size=n)
        preds = [_new(Value, v) for v in pv]
        name = f"mse_loss of {n} predictions"
        out = _run(lambda: mse_loss(preds, [float(t) for t in tv]), name)
        got = _data(out, Value, name)
        diff = pv - tv
        _expect(got, float(np.mean(diff ** 2)), name,
                diagnose={"the loss must be the mean over the batch, not the sum":
                          float(np.sum(diff ** 2)),
                          "square the errors: (pred - target) ** 2": float(np.mean(diff))})
        _reverse_pass(out, 1.0, name)
        core.expect_close(np.array([_grad(p, "pred") for p in preds]), 2 * diff / n,
                          name=f"d({name})/dpred")


def _np_mlp_grads(Wn, bn, X, y):
    hs, zs = _np_forward(Wn, bn, X)
    n = len(X)
    loss = float(np.mean((hs[-1][:, 0] - y) ** 2))
    d = (2 * (hs[-1][:, 0] - y) / n)[:, None]
    gW, gb = [None] * len(Wn), [None] * len(Wn)
    for L in range(len(Wn) - 1, -1, -1):
        dz = d * (1 - hs[L + 1] ** 2)
        gW[L], gb[L] = hs[L].T @ dz, dz.sum(axis=0, keepdims=True)
        d = dz @ Wn[L].T
    return loss, gW, gb


def _np_train(Wn, bn, X, y, lr, steps, reset=True, sign=1.0):
    Wn, bn = [w.copy() for w in Wn], [b.copy() for b in bn]
    aW, ab = [np.zeros_like(w) for w in Wn], [np.zeros_like(b) for b in bn]
    losses = []
    for _ in range(steps):
        loss, gW, gb = _np_mlp_grads(Wn, bn, X, y)
        losses.append(loss)
        aW = gW if reset else [a + g for a, g in zip(aW, gW)]
        ab = gb if reset else [a + g for a, g in zip(ab, gb)]
        Wn = [w - sign * lr * g for w, g in zip(Wn, aW)]
        bn = [b - sign * lr * g for b, g in zip(bn, ab)]
    return losses, Wn, bn


def train_step(train_step, MLP, Value) -> None:
    """Several steps against a NumPy oracle, then the loss must go down with your engine."""
    r = core.rng("lab05:train")
    X = np.array([[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]])
    X = X + 0.1 * r.normal(size=X.shape)
    y = np.array([1.0, -1.0, -1.0, 1.0])
    lr, steps = 0.05, 4
    model = core.call(MLP, 3, [4, 4, 1], rng=np.random.default_rng(4), name="MLP(3, [4, 4, 1])")
    Ws, bs, _, _ = _mlp_structure(model, 3, [4, 4, 1], Value)
    Wn, bn = _set_random(Ws, bs, r)
    xs, ys = X.tolist(), y.tolist()
    got = [core.expect_scalar(_run(lambda: train_step(model, xs, ys, lr), "train_step"),
                              name="train_step(...) (the loss)") for _ in range(steps)]
    losses, Wt, bt = _np_train(Wn, bn, X, y, lr, steps)
    got_W = [np.array([[v.data for v in row] for row in W]) for W in Ws]
    got_b = [np.array([[v.data for v in b]]) for b in bs]
    flat = lambda Wl, bl: np.concatenate([a.ravel() for a in Wl + bl])
    got_p = flat(got_W, got_b)
    wrong = {
        "the gradients are not reset between steps: call model.zero_grad() before backward() "
        "(gradients accumulate)": _np_train(Wn, bn, X, y, lr, steps, reset=False),
        "the update goes uphill: p.data -= lr * p.grad (gradient descent), not +=":
            _np_train(Wn, bn, X, y, lr, steps, sign=-1.0),
    }
    ok_p = core.close(got_p, flat(Wt, bt), 1e-6, 1e-9)
    if not ok_p:
        for msg, (_, W2, b2) in wrong.items():
            if core.close(got_p, flat(W2, b2), 1e-6, 1e-9):
                fail(f"train_step: {msg}")
        if core.close(got_p, flat(Wn, bn), 0, 1e-12):
            fail("train_step did not change the parameters: update every p.data by -lr * p.grad")
        fail("train_step: after 4 steps the parameters differ from plain gradient descent on the "
             "mean squared error (check the loss, zero_grad, backward and the update)")
    core.expect_close(np.array(got), np.array(losses), name="the losses returned by train_step",
                      rtol=1e-6, atol=1e-9,
                      diagnose={"train_step must return the loss computed *before* the update":
                                _np_train(Wn, bn, X, y, lr, steps + 1)[0][1:]})
    # and training with your engine actually learns
    first = got[0]
    for _ in range(30):
        last = core.expect_scalar(_run(lambda: train_step(model, xs, ys, 0.1), "train_step"),
                                  name="train_step(...)")
    if not last < 0.5 * first:
        fail(f"training with your engine does not reduce the loss: {first:.4g} -> {last:.4g} "
             f"after 34 steps")
