"""Hidden checks of Lab 05 (a scalar autograd engine: Value, Neuron, Layer, MLP).

The objects are scalar ``Value``s, so inputs are random Python floats drawn from
``core.rng(tag)``, and gradients are compared with an analytic oracle written here and with
centred finite differences of the student's own forward pass.

Isolation (one mistake, one deduction): the operation checks do not use the student's
``backward()``; they run their own reverse pass over the student's graph (``_prev`` and
``_backward``, leaves skipped), so a broken topological sort does not fail the ``+`` check.
An operation the lab builds from others (``-``, ``/``, reflected operators, a tanh written
with exp) is also accepted when it equals that construction on the student's own ``+``, ``*``
and ``**``: a wrong ``*`` costs the ``*`` cell, not ``-`` and ``/`` too.  The ``backward()``
checks build graphs whose nodes carry *checker-written* ``_backward`` closures (through the
documented constructor ``Value(data, _children, _op)``), so they test the traversal alone and
can see in which order, and how often, each node was processed; ``backward_reuse`` compares
``backward()`` on the student's own operations with the checker's reverse pass over the same
graph.  The module checks accept the result of the student's own building blocks (neurons,
operations, loss) put together as the lab specifies, and ``train_step`` is compared with the
same step replayed on the student's model, loss and engine when those differ from the oracle.
"""
from __future__ import annotations

import contextlib
import itertools
import math
import re
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from . import cases, core, isolate
from .core import fail
from .formula import explain_constant_factor, explain_formula, explain_swapped_numbers, matching_rule

# Read by the grading sandbox's guard: the engine must be the student's own, not a library's.
FORBIDDEN_IMPORTS = ("micrograd", "torch", "jax", "autograd", "tensorflow")

_EPS = 1e-6
_RTOL, _ATOL = 1e-6, 1e-8

_OP = ("oracle value and gradients", "random out.grad on top of existing grads (+=, chain rule)",
       "gradient proportional to out.grad (either sign)", "finite differences of own forward",
       "every operand in _prev", "operands not modified", "a new Value returned", "float32 engine at float32 precision",
       "nothing added when out.grad = 0 (parentheses, self.grad for out.grad named)",
       "a wrong local derivative named when it is 0, 1, out.data, an input or the opposite sign, else its formula",
       "a catalogued wrong closure named only when every partial matches it", "operands recorded even where the derivative is 0",
       "a constructor that drops _children / _op not charged here (the result's own closure judged)",
       "no gradient at x: the opposite inputs -x probed before blaming an unattached closure",
       "the contribution proportional to out.grad at three values (floor division //, rounding named)",
       "no gradient at x: a 40 times larger out.grad probed before blaming an unattached closure",
       "a wrong value located by experiment, confirmed at a second input (operands swapped, the formula at |a|, a + 1, "
       "a - 1 or -a, an operand or the number with the wrong sign / left out / twice, one sign of the input wrong)",
       "an operand's .grad used for its .data named (confirmed with inputs holding known grads)",
       "a .grad that became a Value named",
       "gradients added in float64 when data and out.grad are (a float32 local derivative named)",
       "a result computed from self.data as a plain number named (a new leaf, or the Value reached only where its "
       "derivative is 0), confirmed at a second input")

#: Graded check (and the methods it grades) x property checked (``make mutants`` prints it).  Inputs are scalars: there are
#: no batch shapes or dtypes of arrays, except that an engine keeping its numbers as float32 is
#: judged at float32 precision.
PROPERTIES = {
    "value_init (Value.__init__)": ("data stored, grad 0, no parents, empty op label", "children and op label stored",
                       "data rounded to a whole number named",
                       "a leaf's _backward does nothing"),
    "add (__add__, __radd__)": _OP + ("number on either side", "a + a (one operand twice)"),
    "mul (__mul__, __rmul__)": _OP + ("number on either side", "a * a (one operand twice)", "swapped partials named"),
    "power (__pow__)": _OP + ("integer, negative and fractional k", "negative base for odd k",
                              "neighbouring forward values named (a * k, k ** a)",
                              "a = 0 for k = 1, 2, 3 (a rule divided by the input named)",
                              "two numbers of the rule swapped named ((k - 1) * a ** k, k * a ** (1 - k))"),
    "sub_neg (__neg__, __sub__, __rsub__)": _OP + ("built from own + and * accepted", "number on either side",
                                                   "a circle among the derived operators named"),
    "div (__truediv__, __rtruediv__)": _OP + ("built from own * and ** accepted", "number on either side",
                                              "a / number as a floor division (1 // number) named at five numbers"),
    "tanh": _OP + ("tanh(0) and both signs", "the formula at a / 2 or 2a named (confirmed at a second input)",
                   "saturated inputs |a| > 20 of both signs", "composition from exp accepted",
                   "neighbouring forward values named (tan, sinh, sigmoid)",
                   "neighbouring derivative rules named (sigmoid's s(1 - s), sech without the square, tan's)"),
    "exp_log (exp, log)": _OP + ("log10 named",
                                 "a wrong local derivative named by one edit of its formula, read at five inputs "
                                 "(every operation with a formula: *, **, tanh, exp, log)",
                                 "the rule times one constant named (1/ln(10): log10's derivative)"),
    "relu": _OP + ("both sides of 0", "inverted mask named", "the step float(a > 0) for the value named",
                   "derivative 0 at exactly a = 0 (the docstring's convention)",
                   "inputs of size below 1/2 of both signs (a test on round(a) or int(a) named by a scan)"),
    "backward (cells backward, backward_reuse, backward_deep, backward_repeat)": (
                 "random DAGs with reuse and diamonds", "every node once, after all its consumers",
                 "a node reached twice caught whatever order _prev iterates in (tuple _prev, oldest first)",
                 "root seeded with 1 (seeded with its own .data named)", "distinct Values holding equal numbers", "a leaf as the root",
                 "own operations against own closures", "3,000-node chain without recursion",
                 "leaves accumulate over calls, interior nodes reset",
                 "a leaf as the root called twice holds 2 (the seed adds 1)", "the root's own _backward called",
                 "no state kept between calls (closures of earlier graphs not run again, a second call runs them all)",
                 "a gradient the leaves already held is kept",
                 "checker-built graphs keep their children when the constructor drops them (value_init's mistake)",
                 "right leaves with the interior grads erased after use named",
                 "a visited test that never fires named (each node once per path)",
                 "no closure at all told apart from the root alone left out (a larger graph probed)",
                 "an early return when the root already holds a grad named (a fresh graph probed), else kept state",
                 "the root left out of the reset named (the root reset by hand between the calls fixes it)",
                 "a plain number in _prev (the power cell's) dropped here",
                 "the root run last: a reversed pre-order told apart from an unreversed post-order on a 4-node probe",
                 "a breadth-first order (a queue) named when two random graphs show it",
                 "repetition judged on a chain when one call skips or repeats nodes (the backward cell's mistake)",
                 "a reset skipped while the root holds a grad named (interior nodes read after the second call)"),
    "Neuron": ("oracle value and gradients", "nin from 1 to 5", "tanh, relu (both sides) and linear",
               "x as plain numbers or Values", "graph reaches w, b and x", "parameters: nin + 1, flat",
               "an input's term left out of the sum named", "w + x for w * x named",
               "the wrong term located by switching w, b or x off or moving it (relu probed as linear)",
               "the bias added after the activation named", "self.w + self.b (a Value added to a list) named",
               "which products w[i] * x[i] the sum holds, and how often (read one input at a time)",
               "weights paired with other inputs named (the permutation read one input at a time)",
               "every product scaled by one factor named (1/nin: a mean for the sum)",
               "weights normalised by their norm named (w, 3w, w/4; two inputs)",
               "parameters() of two neurons in turn each its own (another object's Values named; Layer and MLP judged "
               "with the documented list)"),
    "mlp (Layer, MLP)": ("oracle forward", "pairwise-different widths", "one output: a single Value", "distinct Neurons",
                    "activation once per layer (twice named)", "parameters of every layer, flat, no duplicates",
                    "every layer applied (the output of an earlier layer named)",
                    "every layer applied to the original x named",
                    "Layer output j is neuron j on the same x (x changed between neurons named, confirmed on a 2nd Layer)",
                    "layers in reverse order named (own layers applied last to first)",
                    "a failing Neuron.parameters() left to the neuron cell",
                    "parameters missing exactly whole layers named (which layers)",
                    "a wrong Layer.parameters() named, with the neurons whose weights or bias it leaves out",
                    "the graph reaches every layer's parameters (layers passed on as .data named)",
                    "no state between calls (Layer and MLP called again on another x, then on the first again)",
                    "the unwrap decided by the input's length named (MLP(1, [3, 2]) and MLP(3, [2, 1]))",
                    "Layer / MLP parameters() holding only another object's Values named (a list kept between calls)"),
    "zero_grad": ("every parameter's grad 0", "data untouched", "the same parameter objects", "grad not None",
                  "no grad reset at all named", "which parameters were missed named (a loop that stops early or starts late)",
                  "grads of both signs: a reset conditioned on the sign named", "self.parameters not called named",
                  "the zeros keep the engine's precision (float32 zeros named)",
                  "a second module reset too (parameters kept from an earlier call named)"),
    "mse_loss": ("oracle value", "sum-then-square and 1/(N - 1) named", "gradient 2 (p - t) / N", "backward = derivative of own forward", "batch 1",
                 "odd batch", "preds and targets lists not modified", "graph reaches every prediction",
                 "0 where preds == targets, and a function of pred - target alone",
                 "right for one prediction, wrong for N: the factor of N named (1 // N, N * N)",
                 "the RMSE named (|error| at one prediction judged on a larger batch)",
                 "a ** k's exponent in _prev not charged here (the power cell's)",
                 "degree 2 in the errors (a loss linear in them named)",
                 "each sample counted once (samples left out or counted twice named, one sample off at a time)",
                 "targets used as given (int(t), round(t), 2t - 1 ... named on two batches)",
                 "a plain 0 on two batches named (a sum over an iterator used up)"),
    "train_step": ("exact step -lr*grad (NumPy oracle)", "p.data and p.grad keep the engine's float64 (a float32 lr "
                   "or reset named)", "p.data updated (not rebound)", "zero_grad before backward",
                   "mean over the whole batch, one backward", "loss before the update, as a float", "batch 1",
                   "odd batch", "loss goes down over 34 steps", "targets used as given (2y - 1, -y ... named by the loss "
                   "and every parameter)", "every parameter updated (the frozen ones named by layer)",
                   "the first step from known parameters: its factor (1/N, N, lr) or p.data for p.grad named",
                   "two learning rates: a step that does not scale with lr named", "a constant return named",
                   "judged against a replay on own engine when its values differ (a wrong forward costs its own cell)",
                   "a doubled gradient named when the returned loss is right (backward() twice)",
                   "p.data = -lr * p.grad (= for -=) named", "the first or last sample alone named",
                   "a loss built from numbers (.data) named", "an engine leaving Values in .grad not charged here",
                   "(x, y) pairs intact (the first step against every order of the targets)",
                   "the same step rule for every parameter (large gradients changed / clipped, a step size drifting "
                   "along the parameters named)",
                   "gradients left by an earlier backward() reset before backward (zero_grad at the end named)",
                   "a sample left out of the loss named (which one)",
                   "a raise replayed up to the step that raised (an engine that overflows not charged here)",
                   "parameters kept from an earlier call (default argument, global, attribute) named"),
}

NOT_ATTACHED = ("no gradient reached the inputs: out._backward changes no gradient, like the do-nothing default: "
                "the operation's closure is never attached to out. Either `out._backward = _backward` is missing, "
                "or it is indented inside _backward itself (then it never runs): define the closure, then attach "
                "it at the operation's level, before `return out`")
NOT_ACCUMULATED = ("gradients must accumulate with +=, not be overwritten with =: a Value that "
                   "already holds a gradient (or is used twice) must receive the sum of all "
                   "contributions")
IGNORES_OUT_GRAD = ("the local derivative was not multiplied by out.grad (chain rule): "
                    "parent.grad += local_derivative * out.grad")


# --------------------------------------------------------------------------- helpers
def _new(Value, data, children=(), op="", *, what="Value(...)", repair=None):
    """Construct a Value through the documented constructor, reporting failures by name.

    ``repair`` = :func:`_constructor_faults_probe` (looked up once per class when not given): the checker then
    stores the children / op label the constructor dropped or mangled, so that a graph the checker builds
    does not charge a constructor mistake to backward().  The constructor's own cell passes (False, False)."""
    repair = _faults(Value) if repair is None else repair
    try:
        node = Value(data, tuple(children), op) if children or op else Value(data)
    except NotImplementedError:
        fail("Value.__init__ is not implemented yet (it raised NotImplementedError)", "not-implemented")
    except Exception as exc:
        fail(f"{what} raised {core.error_kind(exc)}: {exc}", "constructor-raised")
    if repair[0]:               # leaves too: a constructor that mangles _children may give a leaf parents
        node._prev = set(children)
    if op and repair[1]:
        node._op = op
    return node


def _chain(Value, x, n: int, *, repair=(False, False)) -> list:
    """``n`` nodes Value(0.5, (previous,), 'id') built on ``x``, oldest first.

    One request to the kernel for the whole chain (``core.chain``); a constructor that drops
    its children or label is repaired node by node (``_new``), which costs a request each."""
    if any(repair):
        nodes = [x]
        for _i in range(n):
            nodes.append(_new(Value, 0.5, (nodes[-1],), "id", repair=repair))
        return nodes[1:]
    try:
        return core.chain(Value, x, n, 0.5, (x,), "id")
    except NotImplementedError:
        fail("Value.__init__ is not implemented yet (it raised NotImplementedError)", "not-implemented")
    except Exception as exc:
        fail(f"Value(...) raised {core.error_kind(exc)}: {exc}", "constructor-raised")


#: id(Value) -> (Value, its constructor faults): one probe per class.  Per judge thread: judges run in
#: threads (tests/test_checks_state.py), and a check module keeps nothing another verdict could read.
_LOCAL = threading.local()


def _faults(Value) -> tuple[bool, bool]:
    faults: dict[int, tuple] = _LOCAL.__dict__.setdefault("faults", {})
    hit = faults.get(id(Value))
    if hit is not None and hit[0] is Value:
        return hit[1]
    found = _constructor_faults_probe(Value)
    if len(faults) > 64:
        faults.clear()
    faults[id(Value)] = (Value, found)
    return found


def _constructor_faults_probe(Value) -> tuple[bool, bool]:
    """(children dropped, op label dropped) by Value(data, (a, b), '+') itself: those are the value_init
    cell's mistakes, and the operations' and backward()'s cells do not charge them again."""
    try:
        a, b = Value(1.0), Value(2.0)
        c = Value(3.0, (a, b), "+")
        ids = {id(p) for p in list(c._prev)}
        return ids != {id(a), id(b)}, getattr(c, "_op", None) != "+"
    except Exception:
        return False, False


#: A constructor wrapping the student's own, run in the kernel when every Value shares one _prev (a class attribute
#: updated in place): each new Value then gets the parents it was given (in a tuple of its own, once each) and the
#: shared container is emptied.  Only the constructor's own cell (value_init) is charged for that mistake; every
#: other cell is judged on graphs that are the ones the student's operations describe.  It stays installed: with
#: one _prev for all, every later graph holds every Value ever made, and the student's own backward() (a loop
#: over each node's parents) grows with the square of that number, so the rest of the notebook would run for
#: minutes and the cells after it would be lost to the time limit.
_OWN_PREV = '''
import inspect


def own_prev(cls, init):
    try:
        names = list(inspect.signature(init).parameters)
    except (TypeError, ValueError):
        names = []
    key = names[2] if len(names) > 2 else None

    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        children = args[1] if len(args) > 1 else kwargs.get(key, ()) if key else ()
        try:
            self._prev = tuple({id(c): c for c in children}.values())
        except TypeError:
            self._prev = ()
        shared = cls.__dict__.get("_prev")
        if hasattr(shared, "clear"):
            shared.clear()

    __init__.__wrapped__ = init
    return __init__
'''


#: Run in the kernel once per class: a leaf made by the student's constructor with _prev = None (not an empty
#: container) or with _backward = self.backward (the method backward() itself: a leaf's closure then starts a whole
#: backward pass again, without end).  Both are value_init's mistakes: that cell names them, on the class as the
#: student wrote it; every other cell is judged with a constructor that gives such a leaf an empty _prev and a
#: do-nothing _backward, so one mistake costs one cell (as for the identity hash and the shared _prev).
_LEAF_REPAIRS = '''
def leaf_repairs(cls):
    import numpy as np
    try:
        leaf = cls(1.0)
        prev_none = getattr(leaf, "_prev", ()) is None
        own_backward = getattr(leaf, "_backward", None) == getattr(leaf, "backward", object())
    except Exception:
        return [], None
    stored = []
    for x in (0.1234567891, -12.3456789012345):
        try:
            stored.append(float(cls(x).data))
        except Exception:
            stored.append(x)
    # a float32 engine (data stored as np.float32) is accepted: its numbers are x to single precision
    data_changed = all(got != x and got != float(np.float32(x))
                       for got, x in zip(stored, (0.1234567891, -12.3456789012345)))
    found = [name for name, hit in (("prev-none", prev_none), ("backward-is-backward", own_backward)) if hit]
    if data_changed:
        found.append("data-changed=" + " ".join(repr(v) for v in stored))
    if not found:
        return [], None
    init = cls.__init__

    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        if data_changed and args and isinstance(args[0], (int, float)):
            self.data = float(args[0])
        if prev_none and getattr(self, "_prev", ()) is None:
            self._prev = set()
        if own_backward and getattr(self, "_backward", None) == getattr(self, "backward", object()):
            self._backward = lambda: None

    __init__.__wrapped__ = init
    return found, __init__
'''


def _leaf_repairs(Value) -> list[str]:
    """The leaf faults of the student's constructor (see ``_LEAF_REPAIRS``), found on the first call in this judge
    thread, which also repairs the class in the kernel; later calls return what was found."""
    done: dict[int, Any] = _LOCAL.__dict__.setdefault("leaf_repairs", {})
    hit = done.get(id(Value))
    if hit is not None and hit[0] is Value:
        return hit[1]
    found: list[str] = []
    try:
        got, init = core.kernel_functions(_LEAF_REPAIRS)["leaf_repairs"](Value)
        found = [str(f) for f in got]
        if found:
            core.scatter([Value], "__init__", [init])
    except Exception:
        found = []
    if len(done) > 64:
        done.clear()
    done[id(Value)] = (Value, found)
    return found


LEAF_PREV_NONE = ("a leaf Value(x) has _prev = None: a Value with no parents must still have an EMPTY container, "
                  "self._prev = set(_children) (the empty set for a leaf), so that every loop over a node's _prev "
                  "(the topological sort in backward()) works without a special case for leaves")
LEAF_BACKWARD_IS_BACKWARD = ("a leaf's _backward is the Value's own backward() method (self._backward = "
                             "self.backward): backward() calls each node's _backward, so a leaf starts a whole new "
                             "backward pass, which calls the leaf's _backward again, without end (RecursionError). "
                             "_backward is the local step of ONE node, and a leaf has none: self._backward = "
                             "lambda: None")


def _shares_prev(Value) -> bool:
    """Do all Values share one _prev?  A leaf made before Value(3.0, (a, b), '+') (and one made after it) then
    lists a and b among its own parents."""
    try:
        a, b = Value(1.0), Value(2.0)
        Value(3.0, (a, b), "+")
        d = Value(4.0)
        pair = {id(a), id(b)}
        return any(pair <= {id(p) for p in list(leaf._prev)} for leaf in (a, d))
    except Exception:
        return False


#: Run in the kernel when the student's Value cannot be hashed (it defines __eq__ without __hash__): Values hash by
#: identity again, as every object does by default.  value_init names the mistake (its cell runs first and judges the
#: class as the student wrote it); every other cell is judged with this put back, so one mistake costs one cell.
_HASH_BY_IDENTITY = '''
def hash_by_identity(cls):
    cls.__hash__ = object.__hash__
'''


def _unhashable(Value) -> bool:
    """Is Value.__hash__ None (a class that defines __eq__ and no __hash__)?  One request."""
    try:
        return _class_attr(Value, "__hash__") is None
    except Exception:
        return False


def _own_hash(Value) -> None:
    """Give an unhashable Value the identity hash back, in the kernel (see ``_HASH_BY_IDENTITY``)."""
    if _unhashable(Value):
        with contextlib.suppress(Exception):
            core.kernel_functions(_HASH_BY_IDENTITY)["hash_by_identity"](Value)


def _own_prev(Value) -> bool:
    """When every Value shares one _prev, give each its own (see ``_OWN_PREV``), in the kernel; True when it did.
    Probed once per class and judge thread.  An unhashable Value (value_init's mistake) is given the identity hash
    first (``_own_hash``)."""
    done: dict[int, Any] = _LOCAL.__dict__.setdefault("own_prev", {})
    if done.get(id(Value)) is not Value:
        _own_hash(Value)
        _leaf_repairs(Value)
    if done.get(id(Value)) is Value or not _shares_prev(Value):
        if len(done) > 64:
            done.clear()
        done[id(Value)] = Value
        return False
    make = core.kernel_functions(_OWN_PREV)["own_prev"]
    try:
        core.scatter([Value], "__init__", [make(Value, core.gather([Value], "__init__")[0])])
    except Exception:
        return False
    done[id(Value)] = Value
    return True


SHARED_PREV = ("every Value shares ONE _prev: after Value(3.0, (a, b), '+'), the leaves a and Value(4.0), which were "
               "given no parents, list a and b among their parents. A _prev kept on the class (Value._prev, or "
               "_prev = set() in the class body) and updated in place (.update, .add, |=) is the same container for "
               "every Value, so each graph holds every Value ever made (backward() then walks all of them, and "
               "slows down with their number); give each Value its own in __init__: self._prev = set(_children)")


CONSTRUCTOR_DROPS_CHILDREN = ("the result has no parents (_prev is empty) because your constructor does not store "
                              "the children passed to it (Value(1.0, (a, b), '+')._prev is empty too): "
                              "self._prev = set(_children) in __init__")


def _data(v, Value, name: str) -> float:
    if v is None:
        fail(f"{name} returned None: did you forget a `return` statement?", "returned-none")
    if not core.is_instance(v, Value):
        fail(f"{name} must return a Value, got {core.describe(v)}", "not-a-value")
    try:
        data = v.data          # one request (hasattr and then the value would be two)
    except AttributeError:
        fail(f"{name}: the result has no attribute .data", "no-data")
    return core.expect_scalar(data, name=f"{name}.data")


def _grad(v, name: str) -> float:
    try:
        grad = v.grad
    except AttributeError:
        fail(f"{name} has no attribute .grad (set self.grad = 0.0 in __init__)", "no-grad")
    return _grad_value(grad, name)


def _grads(nodes: list, name: str) -> list[float]:
    """:func:`_grad` of every node, read in one request under the judge (the same failures, in order)."""
    try:
        held = core.gather(nodes, "grad")
    except AttributeError:
        return [_grad(n, name) for n in nodes]      # names the failure as _grad does
    return [_grad_value(g, name) for g in held]


def _raw_grads(nodes: list) -> list | None:
    """The nodes' .grad as they are, in one request under the judge; None when one has none (then read
    them one by one with :func:`_grad`, which names it)."""
    try:
        return core.gather(nodes, "grad")
    except AttributeError:
        return None


def _grad_value(grad, name: str) -> float:
    if not isinstance(grad, (int, float, np.number)) and hasattr(grad, "_backward") and hasattr(grad, "data"):
        fail(f"{name} .grad is a Value, not a number: a _backward added a Value to it, so its local derivative "
             f"was computed from a Value (a name such as t rebound to the result, out = t = Value(...), or self / "
             f"other used where self.data / other.data belong); .grad holds plain numbers", "grad-is-a-value")
    return core.expect_scalar(grad, name=f"{name}.grad")


def _stored_prev(node) -> list:
    """What the constructor stored in _prev, as it is (the constructor's own cell judges it)."""
    try:
        stored = node._prev
    except AttributeError:
        fail("a Value has no attribute _prev: store the Values it was computed from in self._prev", "no-prev")
    try:
        return list(stored)
    except TypeError:
        fail("Value._prev must be a set or tuple of Values", "prev-not-iterable")


def _parents(node) -> list:
    if isinstance(node, (tuple, list, set, frozenset)):     # a copy: a container, not a student object
        fail(f"a node's _prev holds a {type(node).__name__} instead of Values: _prev must hold the Values "
             f"themselves, self._prev = set(_children) ({{_children}} is a set holding ONE tuple)", "prev-holds-a-container")
    if isinstance(node, (int, float, np.number)):
        fail(f"a node's _prev holds the number {node!r} ({type(node).__name__}), not a Value: only Values that "
             f"carry a gradient go in _prev (a plain number such as the exponent of a ** k is not a parent)",
             "prev-holds-a-number")
    try:
        stored = node._prev     # one request (hasattr and then the value would be two)
    except AttributeError:
        fail("a Value has no attribute _prev: store the Values it was computed from in self._prev", "no-prev")
    try:
        prev = list(stored)
    except TypeError:
        fail("Value._prev must be a set or tuple of Values", "prev-not-iterable")
    if len(prev) == 1 and isinstance(prev[0], tuple):
        # self._prev = {_children}: the constructor's mistake, charged in its own cell (value_init);
        # the other cells read the children it was given.
        return list(prev[0])
    return prev


def _is_number(item) -> bool:
    return isinstance(item, (int, float, np.number))     # a copy of a plain number, not a student object


def _inputs_kept(x: list, before: list, name: str, Value) -> None:
    """The caller's list of plain numbers ``x`` holds the same numbers after the call (a model that wraps them in
    Values in place changes the caller's data set: its samples become Values that accumulate gradients)."""
    if len(x) != len(before):
        fail(f"{name} changed the caller's list x in place: it held {len(before)} number(s), it now holds {len(x)} "
             f"items; leave x as it is and build new lists", "inputs-modified")
    for i, (now, was) in enumerate(zip(x, before)):
        if _is_number(now) and float(now) == was:
            continue
        how = ("a Value: the inputs were wrapped in Values in place (x[i] = Value(x[i]))"
               if not _is_number(now) and core.is_instance(now, Value) else core.describe(now))
        fail(f"{name} changed the caller's list x in place: x[{i}] was the number {was:.6g}, after the call it is "
             f"{how}. The caller's data must stay as it was (its samples would become Values that accumulate "
             f"gradients): build a new list (x = [...]) instead of assigning into x[i]; Value operations already "
             f"accept plain numbers", "inputs-modified")


def _parents_of(nodes: list, numbers_ok: bool = False, dropped: set | None = None) -> list[list]:
    """:func:`_parents` of every node in ``nodes``, read in one request under the judge.

    ``numbers_ok``: plain numbers stored among the parents (the exponent of ``a ** k``, the power cell's
    mistake) are left out instead of failing, in cells that judge something else; the ids of the nodes that
    held one go in ``dropped``."""
    try:
        prevs = core.gather(nodes, "_prev")
    except AttributeError:
        return [_parents(node) for node in nodes]      # names the failure as _parents does
    out = []
    for prev in prevs:
        try:
            items = list(prev)
        except TypeError:
            fail("Value._prev must be a set or tuple of Values", "prev-not-iterable")
        items = list(items[0]) if len(items) == 1 and isinstance(items[0], tuple) else items    # as _parents
        if numbers_ok and any(_is_number(i) for i in items):
            items = [i for i in items if not _is_number(i)]
            if dropped is not None:
                dropped.add(id(nodes[len(out)]))
        out.append(items)
    return out


def _graph(root, numbers_ok: bool = False, dropped: set | None = None) -> tuple[list, dict[int, list]]:
    """(checker's own iterative topological order, parents before children; {id(node): parents}).

    The student's _prev are read one breadth-first level per request: a check's graph costs
    its depth in round trips to the kernel, not its size."""
    parents: dict[int, list] = {}
    frontier, known = [root], {id(root)}
    while frontier:
        found = _parents_of(frontier, numbers_ok, dropped)
        nxt = []
        for node, ps in zip(frontier, found):
            parents[id(node)] = ps
            for p in ps:
                if id(p) not in known:
                    known.add(id(p))
                    nxt.append(p)
        frontier = nxt
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in parents[id(node)] if id(p) not in seen)
    return order, parents


def _topo(root) -> list:
    """Checker's own iterative topological order (parents before children)."""
    return _graph(root)[0]


def _reverse_pass(root, seed: float, name: str, zero: bool = False, numbers_ok: bool = False) -> None:
    """Propagate ``seed`` from root with the student's _backward closures, not their backward().

    Leaves are skipped (their _backward does nothing by definition, whatever __init__ left
    there); with ``zero`` every interior node starts from grad 0 first.
    """
    order, parents = _graph(root, numbers_ok)
    interior = [node for node in order if parents[id(node)]]
    reset = interior if zero else []
    core.scatter(reset + [root], "grad", [0.0] * len(reset) + [seed])     # one request, root seeded last
    try:     # every closure read in one request (a missing one named below, in the order it is met)
        fns = core.gather(list(reversed(interior)), "_backward")
    except AttributeError:
        fns = [getattr(node, "_backward", None) for node in reversed(interior)]
    for node, fn in zip(reversed(interior), fns):
        if not callable(fn):
            _explain_closure_called(node, fn, order, parents, name)
            fail(f"{name}: a Value has no callable _backward (a leaf's is `lambda: None`)", "no-backward-closure")
        try:
            core.call(fn, name=f"the _backward closure of {name}")
        except core.CheckFailure as exc:
            said = value_words(str(exc), core.raised_function(exc)) if " raised " in str(exc) else None
            if said and said[1] == "backward-takes-arguments":
                fail(f"{exc}: {said[0]}", said[1])
            raise


def _explain_closure_called(node, fn, order, parents, name: str) -> None:
    """A result of an operation holds None in _backward while a leaf of the same graph holds a callable (so it is
    not the constructor's default): the operation stored what calling its closure returns,
    `out._backward = _backward()`, instead of the closure itself."""
    if fn is not None:
        return
    leaves = [n for n in order if not parents[id(n)]]
    try:
        leaf_fn = core.gather(leaves[:1], "_backward")[0] if leaves else None
    except AttributeError:
        return
    if not callable(leaf_fn):
        return
    op = getattr(node, "_op", "")
    fail(f"{name}: the result of the operation {op!r} holds None in _backward, while a leaf's is callable: the "
         f"operation stored what CALLING its closure returns (`out._backward = _backward()`, which runs it once, "
         f"too early, and keeps None) instead of the closure itself: out._backward = _backward, without parentheses",
         "closure-called-not-attached")


WRAP_NUMBER = ("a plain number must be wrapped in a Value first "
               "(other = other if isinstance(other, Value) else Value(other))")


REFLECTED = ("Python calls the reflected method (__radd__, __rmul__, __rsub__, __rtruediv__) for "
             "number <op> Value, with self the Value and other the number")


#: Operations the lab builds from others: a circle among them recurses without end (named per operation).
_DERIVED = {
    "-a": "-a calls __neg__; written as 0 - self it calls __rsub__ (number - Value), which computes other + (-self) "
          "and so __neg__ again. Build __neg__ from * alone: return self * -1",
    "a - b": "a - b calls __sub__; if __sub__ uses -other and __neg__ uses a subtraction, each calls the other. "
             "Build __neg__ from * (self * -1) and __sub__ from + and __neg__ (self + (-other))",
    "a / b": "a / b calls __truediv__; if __truediv__ and __pow__ (or __rtruediv__) are written with each other, "
             "each calls the other. Build __truediv__ from * and ** -1 (self * other ** -1)",
}


#: What the lab's Value is: the attributes and methods it defines (the docstring's), for a message on a use it lacks.
VALUE_HAS = ("the lab's Value is one number with its gradient: it has .data, .grad, backward(), the operators "
             "(+, -, *, /, **), tanh(), exp(), log() and relu(), and nothing else")
#: Attribute names of NumPy arrays and PyTorch tensors that a Value does not have.
_TENSOR_ATTRS = frozenset({"item", "numpy", "detach", "tolist", "shape", "size", "dtype", "sum", "mean", "sigmoid",
                           "softmax", "sqrt", "abs", "clamp", "requires_grad", "zero_", "grad_fn", "T", "reshape"})
#: Attributes of a module (Neuron, Layer, MLP): a Value used where a module belongs.
_MODULE_ATTRS = frozenset({"parameters", "zero_grad", "layers", "neurons", "w", "b", "act"})


def value_words(text: str, function: str = "") -> tuple[str, str] | None:
    """(sentence, diagnosis id) for an exception of student code that a Value caused: what a Value is, or is not.
    ``text``: "... raised TypeError: ..."; ``function``: the student's function whose line raised."""
    if "unhashable type: 'Value'" in text:
        return HASH_REMOVED, "value-unhashable"
    if re.search(r"(_backward|<lambda>)\(\) missing \d+ required positional argument", text):
        return ("backward() calls every node's _backward with no arguments, node._backward(), so a _backward must "
                "take none: lambda: None for a leaf, def _backward(): inside an operation (the closure already sees "
                "self, other and out from the method it is defined in)", "backward-takes-arguments")
    if re.search(r"'Value' object is not iterable", text) and function.endswith("__init__"):
        return ("a single Value was passed as _children to Value(data, _children, op), which iterates over it: "
                "(self) is self in parentheses, not a tuple; a tuple of one needs a comma, (self,)",
                "children-not-a-tuple")
    if re.search(r"'Value' object is not iterable|argument of type 'Value' is not iterable", text):
        return (f"a single Value was used where a list of Values belongs (iterated, zipped or unpacked): "
                f"{VALUE_HAS}; an MLP whose last layer has one neuron returns that Value itself, a Layer a list",
                "value-not-iterable")
    if "'Value' object is not subscriptable" in text:
        return ("a Value was indexed ([0]), but a Value is one number, not a list: an MLP whose last layer has one "
                "neuron returns a single Value (MLP.__call__ unwraps x[0] itself), so model(x) is used as it is",
                "value-indexed")
    attr = re.search(r"'Value' object has no attribute '(\w+)'", text)
    if attr and attr.group(1) in ("linear", "identity", "none", "None"):
        return (f"the activation {attr.group(1)!r} was looked up as a method of the Value (getattr(z, act)()?), "
                f"which has none of that name: 'linear' means no activation at all, so return z itself for it "
                f"(tanh and relu are the Value's methods)", "linear-activation-method")
    if attr and attr.group(1) in _TENSOR_ATTRS:
        said = " its number is .data (return loss.data, a float)" if attr.group(1) == "item" else ""
        return (f"Value has no attribute {attr.group(1)!r}: it is not a PyTorch tensor or a NumPy array; "
                f"{VALUE_HAS}" + (f":{said}" if said else ""), "tensor-method-on-value")
    if attr and attr.group(1) in _MODULE_ATTRS:
        return (f"a Value was used where a module (Neuron, Layer, MLP) belongs: {attr.group(1)} is the module's; "
                f"{VALUE_HAS}", "value-for-module")
    held = re.search(r"'(float|int)' object has no attribute '(\w+)'", text)
    if held and held.group(2) in _TENSOR_ATTRS | {"zero", "fill_", "zeros_like", "copy_", "add_", "mul_", "sub_"}:
        return (f"a Value's .data and .grad are plain Python numbers ({held.group(1)}), not PyTorch tensors or NumPy "
                f"arrays: a {held.group(1)} has no .{held.group(2)}(); set the number itself, e.g. p.grad = 0.0 to "
                f"reset a gradient (.zero_() is PyTorch's), p.data -= lr * p.grad to step", "tensor-method-on-number")
    number = re.search(r"'(float|int)' object has no attribute '(data|grad|backward|_prev|_backward|tanh|exp|log|relu)'",
                       text)
    if number:
        return (f"a plain {number.group(1)} was used where a Value belongs ({number.group(1)} has no "
                f".{number.group(2)}): a number taken out of the graph (v.data, float(v)) cannot be differentiated; "
                f"keep computing with the Values themselves", "number-for-value")
    if re.search(r"can't convert type 'Value'|must be real number, not Value|a float is required", text):
        return ("a library function that works on plain numbers (statistics.mean, math.fsum, math.exp, float()...) "
                "was given Values: a Value is not a Python number, and a result computed from numbers would leave "
                "the graph anyway; build it from Value operations, e.g. the mean as sum(terms) / len(terms)",
                "library-function-on-value")
    if re.search(r"not supported between instances of '(Value|int|float)' and '(Value|int|float)'", text) \
            and "Value" in text:
        return ("Value defines no comparison (<, >, max(), min(), sorted() compare): compare the numbers, "
                "self.data > 0, and build the result as a new Value", "value-compared")
    return None


HASH_REMOVED = ("Values cannot be hashed (unhashable type: 'Value'), so they cannot be put in a set: set(_children) in "
                "__init__ and the visited set of backward() fail. A class that defines __eq__ (equality by .data?) "
                "loses the default __hash__: remove __eq__ (two Values holding equal numbers are different nodes of "
                "the graph, so the identity comparison every object has is the right one), or keep it and add "
                "__hash__ = object.__hash__ to the class")


def _run(fn: Callable[[], Any], name: str, hint: str | None = None):
    """Run student code; errors become a sentence saying which operation raised what, and why."""
    try:
        return core.call(fn, name=name)
    except core.CheckFailure as exc:
        text = str(exc)
        if "not implemented" in text:
            fail(f"{name} raised NotImplementedError: it, or an operation it uses, is not implemented yet",
                 "not-implemented")
        said = value_words(text, core.raised_function(exc)) if " raised " in text else None
        if said and hint and said[1] == "number-for-value":
            said = None         # a number where a Value belongs, in a call given a plain number: the hint says which
        if said and "must be real number, not" not in text:     # that one: math-on-value below
            fail(f"{text}. Likely cause: {said[0]}", said[1])
        if "raised RecursionError" in text and name in _DERIVED:
            fail(f"{text}: the operation calls itself without end through the operators it is built from: "
                 f"{_DERIVED[name]}", "derived-operator-recursion")
        if "raised RecursionError" in text:
            fix = {"number - a": "`other - self` calls __rsub__ again: build it from operations that start with the "
                                 "Value, return -self + other (or other + (-self))",
                   "number / a": "`other / self` calls __rtruediv__ again: build it from operations that start "
                                 "with the Value, return self ** -1 * other (or other * self ** -1)",
                   "number * a (__rmul__)": "`other * self` calls __rmul__ again: write self first (return self * other)"}.get(
                name, "`other + self` calls __radd__ again: write self first (return self + other)")
            fail(f"{text}: the operation calls itself without end; in a reflected operator, other is a plain "
                 f"number, so {fix}. {REFLECTED}", "reflected-operator-recursion")
        if "raised TypeError" in text and "'method' object is not iterable" in text:
            fail(f"{text}: a method was iterated without being called; call it with parentheses "
                 f"(model.parameters(), not model.parameters)", "method-not-called")
        builtin = re.search(r"raised TypeError: bad operand type for (?:unary )?(\w+\(\)|[-+~]): '(\w+)'", text)
        if builtin:
            fail(f"{text}: {builtin.group(1)} was applied to a {builtin.group(2)}, whose class defines no method for it "
                 f"(the lab's Value has +, -, *, /, **, tanh, exp, log and relu); build the expression from those "
                 f"operations (a square is already non-negative: (p - t) ** 2 needs no abs())", "builtin-on-value")
        if "raised TypeError" in text and "must be real number, not" in text:
            fail(f"{text}: a math function (math.exp, math.tanh, math.log...) was given a Value; they take plain "
                 f"numbers: use the Value's own operation (v.exp(), v.tanh()) to stay in the graph, or v.data for a "
                 f"number", "math-on-value")
        unsupported = re.search(r"raised TypeError: unsupported operand type\(s\) for ([^:]+): '(\w+)' and '(\w+)'", text)
        if unsupported and unsupported.group(2) == "Value":
            op = unsupported.group(1).split()[0]
            dunder = {"+": "__add__", "-": "__sub__", "*": "__mul__", "/": "__truediv__", "**": "__pow__"}.get(op)
            if dunder:
                fail(f"{text}: Python evaluates a {op} b, with a a Value, as a.{dunder}(b), and your Value class has "
                     f"no method of that name" + (" (__div__ is Python 2's name for /: Python 3 calls __truediv__ "
                     "only)" if op == "/" else "") + f": define {dunder}(self, other) (it is the reflected method, "
                     f"for number {op} Value, that Python tries only when the left operand is not a Value)",
                     "forward-operator-missing")
        if "raised TypeError" in text and "unsupported operand" in text:
            fail(f"{text}: {REFLECTED}; define it (or wrap the number in a Value)", "reflected-operator-missing")
        if "Integers to negative integer powers are not allowed" in text:
            fail(f"{text}: a NumPy integer (np.int64) was raised to a negative power, which NumPy refuses where "
                 f"Python's int gives a float: np.mean, np.sum or len() of a NumPy array hands the division a NumPy "
                 f"integer, and your a / n computes n ** -1. Divide by a Python number (len(preds) of the list, or "
                 f"float(n)), or write self * (1.0 / other) for a plain-number other", "numpy-integer-negative-power")
        if hint:
            fail(f"{text}: {hint}", exc.diagnosis)
        if "raised TypeError" in text and re.search(r"argument must be a string or a (?:real )?number, not 'Value'", text):
            fail(f"{text}: a Value was given to Value(...), whose data must be a plain number: something that is "
                 f"already a Value was wrapped again (Value(xi) on an input? the inputs of a hidden layer are the "
                 f"Values of the previous layer): use it as it is, wi * xi works for numbers and Values alike; wrap "
                 f"only plain numbers (x if isinstance(x, Value) else Value(x))", "value-wrapped-in-value")
        raise


def _leaf_backward() -> None:
    """The checker's do-nothing _backward for the leaves it creates (independent of __init__)."""


def _tolerance(*values) -> tuple[float, float]:
    """(rtol, atol) for results computed from ``values`` (a Value's .data): the module's float64
    tolerances, widened to float32's precision when the engine keeps its numbers as float32."""
    eps = 0.0
    for v in values:
        dtype = getattr(v, "dtype", None)
        if dtype is not None and np.issubdtype(dtype, np.floating) and dtype.itemsize < 8:
            eps = max(eps, float(np.finfo(dtype).eps))
    return (_RTOL, _ATOL) if not eps else (max(_RTOL, 64 * eps), max(_ATOL, 64 * eps))


def _expect(got: float, want: float, name: str, diagnose=None, rtol=_RTOL, atol=_ATOL):
    """expect_close for one number: no catalogued mistake matched -> both numbers, not a 'factor'
    (any two numbers differ by a factor, which says nothing)."""
    try:
        core.expect_close(got, want, name=name, rtol=rtol, atol=atol, diagnose=diagnose)
    except core.CheckFailure as exc:
        if exc.diagnosis in ("scaled", "wrong-values"):
            fail(f"{name} is {float(got):.6g}, expected {float(want):.6g}", "wrong-value")
        raise


# --------------------------------------------------------------------------- one operation
def _outcome(Value, build: Callable, xs: list[float], seed: float, pre: list[float], name: str, hint=None):
    """(value, leaf gradients, out, leaves) of ``build`` on fresh leaves holding ``xs``, after the
    checker's reverse pass seeded with ``seed`` on top of pre-existing leaf gradients ``pre``."""
    leaves = [_new(Value, x) for x in xs]
    before = core.gather(leaves, "data")     # as the constructor stored them (float32 engines round)
    out = _run(lambda: build(*leaves), name, hint)
    got = _data(out, Value, name)
    if any(not core.close(now, b, 0, 0) for now, b in zip(core.gather(leaves, "data"), before)):
        fail(f"{name} changed its input's .data: an operation must create a new Value and leave its "
             f"operands as they were", "mutated-input")
    core.scatter(leaves, "grad", list(pre[:len(leaves)]))
    if _parents(out):
        _reverse_pass(out, seed, name)
    elif _faults(Value)[0] and callable(getattr(out, "_backward", None)):
        # The constructor dropped the children (value_init's mistake): out's own closure still knows its
        # operands, so the operation is judged through it alone.
        out.grad = seed
        core.call(out._backward, name=f"the _backward closure of {name}")
    grads = _grads(leaves, f"{name}: the input's")
    return got, grads, out, leaves


def _unimplemented(exc: BaseException) -> bool:
    """A stub still raising NotImplementedError is never excused (see the skips below)."""
    return "not implemented" in str(exc)


def _fails(thunk) -> bool:
    try:
        thunk()
    except (core.CheckFailure, Exception):
        return True
    return False


def _matches(a: tuple, b: tuple, rtol: float = _RTOL, atol: float = _ATOL) -> bool:
    return core.close(a[0], b[0], rtol, atol) and core.close(np.array(a[1]), np.array(b[1]), rtol, atol)


def _check_op(Value, build: Callable, forward: Callable, local: Callable, xs: list[float],
              name: str, diagnose_value=None, diagnose_local=None, hint=None, compositions=(), number=None):
    """``build(*leaves) -> Value``; ``forward(*floats)`` and ``local(*floats)`` (tuple of partials)
    are the oracle.  Checks the value, then gradients with a random seed on top of random
    pre-existing gradients (accumulation), then finite differences of the student's forward.

    ``compositions``: the ways the lab builds this operation from others (``a + (-b)`` for
    ``a - b``...), as ``build`` functions; a result equal to one of them computed with the
    student's own operations is accepted (a mistake in ``*`` is judged in the ``*`` cell).
    ``number``: the plain number ``build`` combines with the Value (a - number...), for the diagnoses."""
    r = core.rng(f"lab05:{name}:{xs}")
    seed = float(r.uniform(0.5, 2.0)) * (1 if r.random() < 0.5 else -1)
    pre = [float(r.uniform(-1, 1)) for _ in xs]
    try:
        got, grads, out, leaves = _outcome(Value, build, xs, seed, pre, name, hint)
    except core.CheckFailure as exc:
        if not _unimplemented(exc) and \
                any(_fails(lambda c=c: _outcome(Value, c, xs, seed, pre, name)) for c in compositions):
            return     # the lab's construction from the student's other operations fails too: judged there
        if f"the _backward closure of {name} raised" in str(exc) and "not implemented" not in str(exc) \
                and exc.diagnosis != "backward-takes-arguments":
            try:
                local_here = ", ".join(f"{w:.4g}" for w in local(*xs))
            except Exception:
                local_here = None
            line = core.raised_line(exc) or ""
            if local_here is not None and name.startswith("a ** ") and "log" in line and "exp" not in line:
                fail(f"{exc}. a ** k * log(a) is the derivative with respect to the EXPONENT k; the closure needs the "
                     f"derivative with respect to a, the power rule k * a ** (k - 1) (here {local_here}, defined for "
                     f"a negative a too): self.grad += k * self.data ** (k - 1) * out.grad", "power-rule-wrt-exponent")
            plain = re.search(r"'(float|int)' object has no attribute '(data|grad)'", str(exc))
            if plain and (number is not None or "number" in name):
                fail(f"{exc}: inside _backward the name read there is still the plain number ({plain.group(1)}), "
                     f"not a Value: the number was wrapped in a Value under ANOTHER name (o = Value(other)?) while "
                     f"the closure still uses the raw one; wrap it once under the name the whole method uses, "
                     f"other = other if isinstance(other, Value) else Value(other), so that the closure sees the "
                     f"Value", "closure-uses-raw-number")
            if local_here is not None:
                at = ", ".join(f"{x:.4g}" for x in xs)
                fail(f"{exc}. At input(s) {at} the local derivative of {name} is {local_here}, a plain number: the "
                     f"closure computes something else, undefined there (the formula of another derivative? a "
                     f"math.log or a square root of a negative number, a division by zero?): parent.grad += "
                     f"(local derivative) * out.grad with the operation's own derivative", "closure-raises")
        raise
    want = local(*xs)
    reference = (forward(*xs), [p + seed * w for p, w in zip(pre, want)])
    held = core.gather([out] + list(leaves), "data")     # one request
    rtol, atol = _tolerance(*held)
    if _matches((got, grads), reference, rtol, atol):
        _closure_precision(held, leaves, name, Value, compositions, xs, seed, pre)
        if any(out is leaf for leaf in leaves):
            fail(f"{name} returned its input itself instead of a new Value", "returned-input")
        if _parents(out) or not _faults(Value)[0]:
            _records_operands(out, leaves, xs, name)
            _operands_in_prev(out, leaves, want, name)
        _own_finite_differences(Value, build, xs, grads, pre, seed, name, out.data)
        return
    for comp in compositions:
        try:
            alt = _outcome(Value, comp, xs, seed, pre, name)
        except core.CheckFailure:
            continue
        if _matches((got, grads), alt[:2], rtol, atol) and not _matches(alt[:2], reference, rtol, atol):
            return     # the lab's construction on the student's own (wrong) operations: judged there
    try:
        _expect(got, reference[0], f"the value of {name}", rtol=rtol, atol=atol,
                diagnose={m: (lambda f=f: f(*xs)) for m, f in (diagnose_value or {}).items()})
    except core.CheckFailure as exc:
        if exc.diagnosis in ("wrong-value", "sign-flipped", "all-zero"):
            _explain_value(Value, build, forward, xs, got, name, rtol, atol, number)
        raise
    if any(out is leaf for leaf in leaves):
        fail(f"{name} returned its input itself instead of a new Value", "returned-input")
    if not _parents(out) and any(abs(w) > 1e-6 for w in want) and _faults(Value)[0]:
        fail(f"{name}: {CONSTRUCTOR_DROPS_CHILDREN}", "constructor-drops-children")
    if not _parents(out) and any(abs(w) > 1e-6 for w in want):
        fail(f"{name}: the result has no parents (_prev is empty), so no gradient can reach its inputs: it "
             f"was created as a new leaf from plain numbers (self.data used as a plain number, as in "
             f"Value({_AS_NUMBER.get(_op_key(name), 'f(self.data)')})): the result does not depend on the Value in the "
             f"graph; {_built_from(name)}", "result-detached")
    _sign_of_out_grad(Value, build, xs, seed, pre, want, grads, name, rtol, atol)
    for i, (g, p, w) in enumerate(zip(grads, pre, want)):
        arg = f"d({name})/d(input {i + 1})"
        if abs(w) > 1e-6 and all(abs(gg - pp) < 1e-12 for gg, pp in zip(grads, pre)) \
                and not _flows_elsewhere(Value, build, xs, seed, pre, name):
            _explain_zero_here_only(Value, build, local, xs, seed, pre, name)
            if "number" in name:
                # the same operation on two Values was judged first and passed: only the plain-number path lacks it
                _explain_value_as_number(Value, build, xs, name)
                fail(f"{name}: no gradient reached the Value: with two Values the operation's closure works, but the "
                     f"path taken when one operand is a plain number returns a result whose _backward changes no "
                     f"gradient (a separate branch for numbers that returns a new Value early, without a closure?): "
                     f"wrap the number in a Value first, other = other if isinstance(other, Value) else Value(other), "
                     f"and let both cases go through the same code", "number-path-no-closure")
            _explain_attached_but_inert(out, name)
            fail(f"{name}: {NOT_ATTACHED}", "closure-not-attached")
        wrong = {NOT_ACCUMULATED: seed * w,
                 IGNORES_OUT_GRAD: p + w}
        for msg, fn in (diagnose_local or {}).items():
            if _whole_closure(fn, xs, grads, pre, seed, rtol, atol):
                wrong[msg] = (lambda fn=fn, i=i: p + seed * fn(*xs)[i])
        try:
            _expect(g, p + seed * w, arg, diagnose=wrong, rtol=rtol, atol=atol)
        except core.CheckFailure as exc:
            if exc.diagnosis == "wrong-value":
                _explain_local(Value, build, xs, i, seed, pre, got, want, arg, rtol, atol)
            raise
    if _parents(out) or not _faults(Value)[0]:
        _operands_in_prev(out, leaves, want, name)


#: The operations with a plain number, as the lab builds them from Value operations (a detached result's words).
_BUILT_FROM = {"__radd__": "number + a is self + other", "+": "a + number is self + Value(other)",
               "__rmul__": "number * a is self * other", "*": "a * number is self * Value(other)",
               "__rsub__": "number - a is (-self) + other", "-": "a - number is self + (-other)",
               "__rtruediv__": "number / a is other * self ** -1", "/": "a / number is self * other ** -1",
               "neg": "-a is self * -1"}
#: What a detached result computes from self.data, per operation (the message's example).
_AS_NUMBER = {"__radd__": "other + self.data", "__rmul__": "other * self.data", "__rsub__": "other - self.data",
              "__rtruediv__": "other / self.data", "neg": "-self.data", "+": "self.data + other",
              "*": "self.data * other", "-": "self.data - other", "/": "self.data / other"}


def _op_key(name: str) -> str:
    """The key of _BUILT_FROM / _AS_NUMBER for a check's operation label (``number * a (__rmul__)``, ``-a``...)."""
    for dunder in ("__radd__", "__rmul__", "__rsub__", "__rtruediv__"):
        if dunder in name:
            return dunder
    for sym, dunder in (("+", "__radd__"), ("*", "__rmul__"), ("-", "__rsub__"), ("/", "__rtruediv__")):
        if name.startswith(f"number {sym} a"):
            return dunder
        if name.startswith(f"a {sym} number"):
            return sym
    return "neg" if name == "-a" else ""


def _built_from(name: str, tail: str = "so that it records the Value in _prev") -> str:
    key = _op_key(name)
    if key:
        return f"build the result from Value operations ({_BUILT_FROM[key]}) {tail}"
    return ("build the result from Value operations, or pass its operands as _children, Value(data, (self,), op), "
            "with its closure attached")


def _narrow_grads(leaves: list) -> list:
    try:
        return [_narrow(g) for g in core.gather(leaves, "grad")]
    except Exception:   # a probe that fails says nothing: the gradients were judged already
        return []


def _closure_precision(held: list, leaves: list, name: str, Value, compositions, xs, seed, pre) -> None:
    """Property of every operation's closure: where the operands' data, the result's and out.grad are float64 (the
    check seeds Python floats), the gradients it adds to the operands stay float64 (a float32 engine, whose data is
    float32, is accepted: its local derivatives are float32).  ``held``: the result's data, then the operands'.
    When the lab's construction of the operation from the student's other operations narrows too (-a = a * -1 on a
    float32 closure of *), it is that operation's cell that is charged."""
    if not leaves or any(_narrow(v) for v in held):
        return
    kinds = _narrow_grads(leaves)
    which = [i for i, k in enumerate(kinds) if k]
    if which:
        for comp in compositions:
            try:
                leaves_c = _outcome(Value, comp, xs, seed, pre, name)[3]
            except core.CheckFailure:
                continue
            if any(_narrow_grads(leaves_c)):
                return
        kind = kinds[which[0]]
        fail(f"{name}: the gradient its closure gave input {which[0] + 1} is numpy.{kind}, although the data and "
             f"out.grad are Python floats (float64): a float32 number in _backward (np.{kind}(...) around the local "
             f"derivative, or a float32 constant) rounds every gradient that flows through it to "
             f"{np.finfo(np.dtype(kind)).precision} digits (NumPy 2 keeps np.{kind} op float in {kind}); compute the "
             f"local derivative from the Python floats, self.grad += (local derivative) * out.grad",
             "grad-precision-lost")


def _explain_value_as_number(Value, build, xs, name) -> None:
    """An operation with a plain number: no gradient reached the Value although the same operation on two Values
    works.  When the result's own closure does pass a gradient to its parents (it is attached and runs) and the Value
    is in the result's graph or not, at two inputs, the Value entered the result as a plain number (its .data): told
    as such; when the result's closure changes nothing, the caller's message (no closure on the number path) stands."""
    said = []
    for x in (xs[0], xs[0] + 0.75 if xs[0] >= 0 else xs[0] - 0.75):
        try:
            a = _new(Value, x)
            out = build(a)
            ps = _parents(out)
            if not ps:
                said.append("no parents")
                continue
            nodes, _ = _graph(out, numbers_ok=True)
            reached = any(n is a for n in nodes)
            core.scatter(ps, "grad", [0.0] * len(ps))
            out.grad = 1.0
            out._backward()
            moved = any(float(g) != 0.0 for g in core.gather(ps, "grad"))
        except Exception:   # a probe that fails says nothing
            return
        if not moved:
            return      # the result's closure passes nothing: the caller's message
        said.append("reached" if reached else "not reached")
    where = ("the Value is in the result's graph only where its derivative is 0 (e.g. + 0 * self)"
             if said[-1] == "reached" else "the Value is not in the result's graph at all")
    fail(f"{name}: no gradient reached the Value although the value is right and the result's own closure passes "
         f"gradients to its parents: {where}: self.data was used as a plain number (as in "
         f"{_AS_NUMBER.get(_op_key(name), 'f(self.data)')} computed outside the graph), so the result does not depend "
         f"on the Value in the graph; {_built_from(name, 'so that the result depends on the Value through the graph')}",
         "value-used-as-number")


#: The check's driver, run where the student's Values live: what out._backward is (its free variables, the numbers
#: they hold, whether it reads a .grad): a closure defined in the operation has free variables, the default does not.
_CLOSURE_OF = """
def closure_of(out):
    fn = getattr(out, "_backward", None)
    code = getattr(fn, "__code__", None)
    cells = getattr(fn, "__closure__", None) or ()
    if code is None or not code.co_freevars:
        return None
    held = {}
    for n, c in zip(code.co_freevars, cells):
        try:
            v = c.cell_contents
        except ValueError:
            continue
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            held[n] = float(v)
    return list(code.co_freevars), held
"""


def _explain_attached_but_inert(out, name: str) -> None:
    """No gradient reached the inputs although out._backward IS a closure of the operation (it has free variables):
    when the closure does not hold out and holds a number fixed when out was created (g = out.grad, 0 then), that
    number is what it passes on.  Said only then; otherwise the caller's message stands."""
    try:
        found = core.kernel_functions(_CLOSURE_OF)["closure_of"](out)
    except Exception:
        return
    if not found:
        return
    freevars, held = found
    if "out" in freevars or not held:
        return
    names = ", ".join(sorted(held))
    fail(f"{name}: no gradient reached the inputs, although out._backward is the operation's closure (attached): "
         f"the closure does not read out.grad when it runs; it uses {names} "
         f"({', '.join(f'{v:g}' for v in held.values())}), a value fixed when out was created (out.grad is 0 then, "
         f"before backward() sets it): read out.grad inside _backward, self.grad += (local derivative) * out.grad",
         "closure-reads-grad-at-creation")


def _explain_zero_here_only(Value, build, local, xs, seed, pre, name) -> None:
    """No gradient reached the inputs at xs: if it does at inputs of the same signs, larger in size, the closure
    is attached and its local derivative is 0 at xs only (an int() that truncates a number in (0, 1) to 0?)."""
    far = [x + 1.5 if x >= 0 else x - 1.5 for x in xs]
    try:
        want = local(*far)
        _, grads, _, _ = _outcome(Value, build, far, seed, pre, name)
    except Exception:   # a probe that fails says nothing
        return
    right = all(core.close(g, p + seed * w, 1e-6, 1e-9) for g, p, w in zip(grads, pre, want))
    if not right and all(abs(g - p) < 1e-12 for g, p in zip(grads, pre)):
        return      # no gradient there either: the closure is not attached (said by the caller)
    at = ", ".join(f"{x:.4g}" for x in xs)
    fat = ", ".join(f"{x:.4g}" for x in far)
    small = all(abs(x) < 1 for x in xs)
    fail(f"{name} at input(s) {at}: no gradient reached the inputs, although the derivative there is "
         f"{', '.join(f'{w:.4g}' for w in local(*xs))}; at input(s) {fat} the closure sends "
         f"{'the right' if right else 'a'} gradient, so it is attached and runs: its local derivative comes out 0 at "
         f"{at}{' only' if right else ''}"
         + (" (an int() or a round() of a number between -1 and 1 gives 0: int(self.data) > 0 is False for 0.5, "
            "int(0.7) is 0; use the number itself, as in self.data > 0 or out.data > 0)" if small else
            " (a condition on the input that is wrong there?)"), "local-derivative-zero-at-input")


def _swap_operands(name: str) -> str:
    """'a / b' -> 'b / a' (the operation's name with its two operands exchanged)."""
    return name.replace("a", "\0").replace("b", "a").replace("\0", "b")


def _explain_value(Value, build, forward, xs, got, name, rtol, atol, number=None) -> None:
    """The value of an operation is wrong and no catalogued slip matched: locate the mistake by experiment.

    Each hypothesis (operands swapped, the formula evaluated at a transformed input, an error that is a fixed
    multiple of one operand, a wrong branch for one sign of the input) must hold at the failing inputs *and* at a
    second set of inputs of the same signs before it is said."""
    def own(args):
        try:
            return float(_run(lambda: build(*[_new(Value, a) for a in args]), name).data)
        except Exception:   # a probe that fails says nothing
            return None

    def oracle(args):
        try:
            value = forward(*args)
            return float(value) if not isinstance(value, complex) else None
        except Exception:
            return None

    second = [x * 1.37 + math.copysign(0.21, x) for x in xs]

    def holds(hypothesis) -> bool:
        for args in (list(xs), second):
            g = got if args is not second else own(args)
            h, w = hypothesis(args), oracle(args)
            if g is None or h is None or w is None or not core.close(g, h, rtol, atol) or core.close(h, w, rtol, atol):
                return False
        return True

    want = oracle(list(xs))
    at = ", ".join(f"{x:.4g}" for x in xs)
    head = f"the value of {name} at input(s) {at} is {got:.6g}, expected {want:.6g}" if want is not None else name
    if len(xs) == 2 and holds(lambda a: oracle(a[::-1])):
        fail(f"{head}, which is the value of {_swap_operands(name)}: the two operands are swapped (self and other "
             f"exchanged in the formula or in the operations it is built from)", "operands-swapped")
    if len(xs) == 1:
        for expr, t, code, slug in (("|a|", abs, "abs(self.data)", "abs"),
                                    ("a + 1", lambda x: x + 1, "self.data + 1", "a-plus-one"),
                                    ("a - 1", lambda x: x - 1, "self.data - 1", "a-minus-one"),
                                    ("-a", lambda x: -x, "-self.data", "minus-a"),
                                    ("a / 2", lambda x: x / 2, "self.data / 2: a factor 2 of the input forgotten"
                                     + (", as in 2 / (1 + exp(-a)) - 1 = tanh(a / 2) where tanh(a) = "
                                        "2 / (1 + exp(-2a)) - 1" if "tanh" in name else ""), "a-halved"),
                                    ("2a", lambda x: 2 * x, "2 * self.data: the input doubled", "a-doubled")):
            if holds(lambda a, t=t: oracle([t(a[0])])) and not holds(lambda a: -oracle(a) if oracle(a) is not None
                                                                         else None):
                # (not when the result is also minus the right one: f(-a) = -f(a) for an odd f says nothing more)
                fail(f"{head}, which is the right formula evaluated at {expr} ({code}) instead of at a: the forward "
                     f"value must use self.data itself", f"value-at-{slug}")
    operands = ("self.data", "other.data") if len(xs) == 2 else ("self.data",)
    terms = [(f"input {i + 1} ({operands[i]})", i) for i in range(len(xs))] + \
        ([(f"the plain number ({abs(number):g})", None)] if number is not None else [])
    for what, i in terms:
        for k, words in ((-2.0, "enters with the wrong sign"), (-1.0, "is left out"), (1.0, "is counted twice")):
            if holds(lambda a, i=i, k=k: (oracle(a) or 0.0) + k * (a[i] if i is not None else number)):
                fail(f"{head}: at every input tried, your result minus the right one is {k:g} times {what}: "
                     f"{what} {words} in the formula", f"operand-{core.slug(words)}")
    if len(xs) == 2:
        for expr, f in (("a + b", lambda a, b: a + b), ("a - b", lambda a, b: a - b), ("b - a", lambda a, b: b - a),
                        ("a * b", lambda a, b: a * b), ("a / b", lambda a, b: a / b if b else None),
                        ("b / a", lambda a, b: b / a if a else None)):
            if holds(lambda a, f=f: f(*a)):
                fail(f"{head}, which is {expr} at every input tried: the forward value is computed with another "
                     f"operator's formula (a copy-pasted line?)", "value-of-another-operator")
    if len(xs) == 1 and xs[0] != 0:
        x = xs[0]
        flipped, flipped2 = [-x], [-second[0]]
        right_there = all(o is not None and w is not None and core.close(o, w, rtol, atol)
                          for o, w in ((own(flipped), oracle(flipped)), (own(flipped2), oracle(flipped2))))
        g2, w2 = own(second), oracle(second)
        if right_there and g2 is not None and w2 is not None and not core.close(g2, w2, rtol, atol):
            side, other = ("negative", "positive") if x < 0 else ("positive", "negative")
            fail(f"{head}: it is right for {other} inputs (e.g. a = {-x:.4g}) and wrong for {side} ones: the case "
                 f"a {'<' if x < 0 else '>'} 0 of your forward computation is wrong", f"value-wrong-for-{side}-inputs")
    offset = got - want if want is not None else 0.0
    if not core.close(offset, 0.0, rtol, atol) and holds(lambda a: (oracle(a) or 0.0) + offset):
        fail(f"{head}: at every input tried your value is the right one {'+' if offset > 0 else '-'} {abs(offset):.6g} "
             f"(a constant added or subtracted in the forward formula)", "value-offset")
    if want:
        ratio = got / want
        named = {1 / math.log(2): " (1 / ln 2: a base-2 logarithm, math.log2, where the natural one, math.log, "
                                  "belongs)",
                 1 / math.log(10): " (1 / ln 10: a base-10 logarithm, math.log10, where the natural one, math.log, "
                                   "belongs)"}
        if not core.close(abs(ratio), 1.0, rtol, atol) and holds(lambda a: (oracle(a) or 0.0) * ratio):
            why = next((text for k, text in named.items() if core.close(ratio, k, 1e-6, 1e-9)), "")
            fail(f"{head}: at every input tried your value is {ratio:.6g} times the right one{why}",
                 "value-scaled")


def _flows_elsewhere(Value, build, xs, seed, pre, name) -> bool:
    """No gradient reached the inputs here: does one reach them at the opposite inputs (-x)?  Then the closure
    is attached and its local derivative is 0 on the wrong side (an inverted condition), not the default.  Also at
    the same inputs with a 40 times larger out.grad: a contribution rounded to a whole number is 0 for small ones."""
    for ys, s in (([-x for x in xs], seed), (list(xs), 40.0 * seed)):
        try:
            _, other, _, _ = _outcome(Value, build, ys, s, pre, name)
        except core.CheckFailure:
            continue
        if any(abs(g - p) > 1e-12 for g, p in zip(other, pre)):
            return True
    return False


def _whole_closure(fn, xs, grads, pre, seed, rtol, atol) -> bool:
    """A catalogued wrong closure (its partials for *every* input) applies only when every input's gradient
    matches it: one wrong partial must not be named as a mistake that changes both (swapped partials)."""
    try:
        partials = fn(*xs)
    except Exception:
        return False
    return all(core.close(g, p + seed * d, rtol, atol) for g, p, d in zip(grads, pre, partials))


#: The local derivative of each checked operation, in the words of its _backward (for the fallback message).
_RULES = {"a + b": ("1 for a and for b",), "a * b": ("b = other.data for a (self)", "a = self.data for b (other)"),
          "a ** ": ("k * a ** (k - 1), with a = self.data",), "-a": ("-1",), "a - b": ("1 for a", "-1 for b"),
          "a / b": ("1 / b for a", "-a / b ** 2 for b"), "number / a": ("-number / a ** 2",),
          "a.tanh()": ("1 - t ** 2 with t = tanh(a) = out.data",), "a.exp()": ("exp(a) = out.data",),
          "a.log()": ("1 / a, with a = self.data",), "a.relu()": ("1 where a > 0, else 0",)}


def _rule(name: str, i: int) -> str | None:
    for key, rules in _RULES.items():
        if name == key or (key.endswith(" ") and name.startswith(key)):
            return rules[min(i, len(rules) - 1)]
    return None


def _explain_local(Value, build, xs, i, seed, pre, value, want, arg, rtol, atol) -> None:
    """No catalogued mistake matched d(op)/d(input i): name what the closure did instead, from properties
    any right closure has (nothing is added when out.grad = 0; the contribution does not depend on the
    .grad the inputs already held) and from the quantities in scope that the local derivative equals."""
    at = ", ".join(f"{x:.4g}" for x in xs)
    try:
        _, zero_seed, _, _ = _outcome(Value, build, xs, 0.0, pre, arg)
        _, zero_both, _, _ = _outcome(Value, build, xs, 0.0, [0.0] * len(xs), arg)
        _, unit, _, _ = _outcome(Value, build, xs, seed, [0.0] * len(xs), arg)
    except core.CheckFailure:
        _explain_reads_held_grad(Value, build, xs, i, seed, pre, arg)
        return
    moved = zero_seed[i] - pre[i]
    if not core.close(moved, 0.0, rtol, atol):
        if core.close(zero_both[i], 0.0, rtol, atol):
            fail(f"{arg}: the gradient sent to this input depends on the .grad the inputs already held: with "
                 f"out.grad = 0 it still changed by {moved:.4g}. A closure multiplies by out.grad, the gradient "
                 f"of the result; self.grad and other.grad are what it adds to (self.grad or other.grad used "
                 f"where out.grad belongs?)", "uses-input-grad")
        fail(f"{arg}: with out.grad = 0 your _backward still changed this input's gradient by {moved:.4g}: part "
             f"of what it adds is not multiplied by out.grad. The whole local derivative must be multiplied: "
             f"parent.grad += (local derivative) * out.grad (check the parentheses and the operator "
             f"precedence, e.g. k * x ** (k - 1) * out.grad)", "term-without-out-grad")
    _explain_not_linear_in_seed(Value, build, xs, i, seed, unit[i], want, arg, rtol, atol)
    s = unit[i] / seed                       # the student's local derivative, nothing accumulated
    if len(xs) == 2 and core.close(s, want[0] + want[1], rtol, atol) and core.close(unit[1 - i], 0.0, rtol, atol) \
            and not core.close(want[1 - i], 0.0, rtol, atol):
        mine, other = ("self", "other") if i == 0 else ("other", "self")
        fail(f"{arg} at input(s) {at}: this input received both partials ({s:.6g} = {want[0]:.6g} + {want[1]:.6g}) "
             f"and input {2 - i} ({other}) nothing: the line meant for {other}.grad adds to {mine}.grad (a copy-paste "
             f"slip); each operand gets its own partial, {other}.grad += (d out / d {other}) * out.grad",
             "partial-to-wrong-operand")
    _explain_grad_for_data(Value, build, xs, i, seed, pre, s, want, arg, rtol, atol)
    _explain_reads_held_grad(Value, build, xs, i, seed, pre, arg, raised=False)
    candidates = [("zero: no gradient reaches this input (is it used through its .data, a plain number, so the "
                   "result does not depend on it in the graph?)", 0.0, "zero"),
                  ("out.data, the result of the operation itself, not its derivative", value, "out-data"),
                  ("the constant 1: `parent.grad += out.grad` passes the gradient through unchanged, as an addition "
                   "does", 1.0, "one"),
                  ("minus the right derivative (a sign error)", -want[i], "sign")]
    operand = ("self.data", "other.data") if len(xs) == 2 else ("self.data",)
    candidates += [(f"the value of input {j + 1} ({operand[j]}) itself, not the derivative", x, "input-value")
                   for j, x in enumerate(xs)]
    name = arg[2:].rsplit(")/d(input", 1)[0]
    rule = _rule(name, i)
    said = f" ({rule})" if rule else ""
    for what, c, slug in candidates:
        if core.close(s, c, rtol, atol) and not core.close(c, want[i], rtol, atol):
            fail(f"{arg} at input(s) {at}: your local derivative is {s:.6g}, which is {what}; the derivative "
                 f"is {want[i]:.6g}{said}", f"local-derivative-{slug}")
    _explain_local_formula(Value, build, xs, i, seed, name, s, want, arg, rtol, atol)
    _explain_not_linear_in_seed(Value, build, xs, i, seed, unit[i], want, arg, rtol, atol, generic=True)
    if rule:   # no known slip: the formula itself, with both numbers, in the words of the closure
        fail(f"{arg} at input(s) {at}: the local derivative your _backward multiplies out.grad by is {s:.6g}, "
             f"but it is {want[i]:.6g}: {rule}. The formula of the local derivative in the _backward of "
             f"{name} is wrong", "local-derivative-formula")


def _explain_not_linear_in_seed(Value, build, xs, i, seed, first, want, arg, rtol, atol, generic=False) -> None:
    """Property of the chain rule: what a closure adds to an input is (local derivative) * out.grad, proportional to
    out.grad.  Read at two more values of out.grad (same inputs, grads starting at 0): contributions that are, at all
    three, the right contribution rounded down (floor division // where / belongs) or rounded to a whole number
    (int(), round()) are named; other contributions not proportional are said with the three readings only when
    ``generic`` (after the formula finder named nothing)."""
    seeds = [seed, 9.5 * seed + 0.3, -31.0 * seed - 0.2]      # large ones too: a rounding shows on them
    if any(abs(g) < 0.05 for g in seeds[1:]):
        seeds = [seed, 9.0 * seed, -30.0 * seed]
    got = [first]
    try:
        for g in seeds[1:]:
            got.append(_outcome(Value, build, xs, g, [0.0] * len(xs), arg)[1][i])
    except core.CheckFailure:
        return
    k = want[i]
    if all(core.close(c, g * k, rtol, atol) for c, g in zip(got, seeds)) or \
            all(core.close(c / g, got[0] / seeds[0], 1e-6, 1e-9) for c, g in zip(got, seeds)):
        return                    # proportional to out.grad: the local derivative is read as usual
    with np.errstate(all="ignore"):
        right = [g * k for g in seeds]
        floors = [float(np.floor(g * k)) for g in seeds]
        floors2 = [float(np.floor(g / (1 / k))) if k else 0.0 for g in seeds]
    at = ", ".join(f"{x:.4g}" for x in xs)
    readings = ", ".join(f"out.grad = {g:.4g} adds {c:.6g} (expected {r:.6g})" for g, c, r in zip(seeds, got, right))
    if all(core.close(c, f, 0, 1e-9) or core.close(c, f2, 0, 1e-9) for c, f, f2 in zip(got, floors, floors2)):
        fail(f"{arg} at input(s) {at}: {readings}: each is the right contribution rounded DOWN to a whole number: a "
             f"floor division // where the true division / belongs (out.grad // self.data is floor(out.grad / "
             f"self.data)); parent.grad += (local derivative) * out.grad, with /", "local-derivative-floor-division")
    if all(core.close(c, round(r), 0, 1e-9) or core.close(c, float(np.trunc(r)), 0, 1e-9) for c, r in zip(got, right)):
        fail(f"{arg} at input(s) {at}: {readings}: each is the right contribution made a whole number (int() or "
             f"round() on the gradient); keep it a float: parent.grad += (local derivative) * out.grad",
             "local-derivative-rounded")
    if not generic:
        return                    # the formula finder speaks first; the property is said when it names nothing
    fail(f"{arg} at input(s) {at}: {readings}: what your _backward adds is not proportional to out.grad (by the chain "
         f"rule it is (local derivative) * out.grad, so doubling out.grad doubles it): out.grad enters the formula "
         f"some other way than as one factor", "local-derivative-not-linear")


#: The documented local derivative of each operation, in the closure's quantities (a = self.data, b = other.data,
#: o = out.data), one formula per input; ``a ** k`` is written with its k (formula.explain_formula edits literals).
_LOCAL_FORMULAS = {"a * b": ("b", "a"), "a.tanh()": (("1 - o ** 2", "1 - tanh(a) ** 2"),),
                   "a.exp()": (("o", "exp(a)"),), "a.log()": ("1 / a",)}
#: How the formulas' names are called in a closure.
_SCOPE_WORDS = "a = self.data, b = other.data, o = out.data, g = out.grad"


#: Local derivatives of neighbouring functions a closure may hold instead of its own (o = out.data, a = self.data):
#: checked only where the right rule does not fit, after every single edit of it.
_NEIGHBOUR_RULES = {
    "o * (1 - o)": "the sigmoid's derivative s * (1 - s) applied to the output, not tanh's 1 - t ** 2",
    "1 / cosh(a)": "sech(a) = 1 / cosh(a), without the square: tanh's derivative is sech(a) ** 2 = 1 - t ** 2",
    "1 + o ** 2": "tan's derivative 1 + tan(a) ** 2 (a + where tanh's 1 - t ** 2 has a -)",
    "exp(a)": "exp's derivative exp(a) (the derivative of another operation)",
    "1 / a": "log's derivative 1 / a (the derivative of another operation)",
}


def _explain_local_formula(Value, build, xs, i, seed, name, s, want, arg, rtol=_RTOL, atol=_ATOL) -> None:
    """The local derivative is wrong and no catalogued slip matches: read the student's local derivative at four
    more inputs (a second probe: one input alone can fit anything) and ask which single edit of the documented
    formula (formula.explain_formula: a constant, an exponent, a quantity, a sign, a term) gives all five."""
    formulas = _LOCAL_FORMULAS.get(name)
    if formulas is None and name.startswith("a ** "):
        k = name[5:]
        formulas = (f"{k} * a ** ({k} - 1)",)
    if formulas is None:
        return
    formula = formulas[min(i, len(formulas) - 1)]
    points, derivs, outs = [list(xs)], [s], []
    try:
        for f in (1.37, 0.61, 1.73, 0.83):
            p = [x * f + (0.05 if x > 0 else -0.05) for x in xs]
            got, unit, _, _ = _outcome(Value, build, p, seed, [0.0] * len(xs), arg)
            points.append(p)
            derivs.append(unit[i] / seed)
        for p in points:
            outs.append(_outcome(Value, build, p, 0.0, [0.0] * len(xs), arg)[0])
    except core.CheckFailure:
        return
    cols = np.array(points, dtype=np.float64)
    env = {"a": cols[:, 0], "o": np.array(outs, dtype=np.float64), "g": np.full(len(points), float(seed))}
    if cols.shape[1] > 1:
        env["b"] = cols[:, 1]
    said = explain_formula(formula, env, np.array(derivs), rtol=1e-6, atol=1e-9, what="local derivatives")
    scope = _SCOPE_WORDS if "b" in env else _SCOPE_WORDS.replace(" b = other.data,", "")
    if name.startswith("a ** "):
        # two numbers of the power rule exchanged ((k - 1) * a ** k, a ** (1 - k)): no single edit, said first, in k
        swapped = explain_swapped_numbers("k * a ** (k - 1)", {**env, "k": float(name[5:])}, np.array(derivs),
                                          rtol=1e-6, atol=1e-9, what="local derivatives")
        if swapped:
            fail(f"{arg}: {swapped}, with k = {name[5:]} ({scope}; checked at 5 inputs); the local derivative of "
                 f"{name} is {_rule(name, i)}" + (f". In numbers: {said}" if said else ""),
                 "local-derivative-numbers-swapped")
    if said:
        if "`exp(-a)`" in said:
            said += " (exp(-a) = 1 / out.data: out.grad divided by out.data where it is multiplied by it?)"
        fail(f"{arg}: {said} ({scope}; checked at 5 inputs); the local derivative of {name} is "
             f"{_rule(name, i)}", "local-derivative-formula-edit")
    # no edit of the rule: first make sure the closure is linear in out.grad (else that is the mistake), then
    # compare with the rules of neighbouring functions and with the rule times one constant
    _explain_not_linear_in_seed(Value, build, xs, i, seed, s * seed, want, arg, rtol, atol, generic=True)
    plain = formula if isinstance(formula, str) else formula[0]
    tail = (f"; the local derivative of {name} is {_rule(name, i)}. The formula of the local derivative in the "
            f"_backward of {name} is wrong")
    other = matching_rule(_NEIGHBOUR_RULES, plain, env, np.array(derivs), rtol=1e-6, atol=1e-9)
    if other:
        fail(f"{arg}: your local derivatives equal `{other[0]}` at 5 inputs ({scope}): {other[1]}{tail}",
             "local-derivative-neighbour-rule")
    factor = explain_constant_factor(plain, env, np.array(derivs), rtol=1e-6, atol=1e-9, what="local derivatives")
    if factor:
        fail(f"{arg}: {factor} ({scope}; checked at 5 inputs){tail}", "local-derivative-constant-factor")


def _explain_reads_held_grad(Value, build, xs, i, seed, pre, arg, raised: bool = True) -> None:
    """Ask whether what the closure adds to input i changes with the .grad the inputs already held, two non-zero
    starts with the same out.grad (``raised``: it raised when they started from 0, a division by .grad?).  A closure
    that assigns instead of accumulating ends at the same .grad from both starts: not this."""
    other = [2.0 * p + (0.75 if p >= 0 else -0.75) for p in pre]
    try:
        _, first, _, _ = _outcome(Value, build, xs, seed, pre, arg)
        _, second, _, _ = _outcome(Value, build, xs, seed, other, arg)
    except core.CheckFailure:
        return
    a, b = first[i] - pre[i], second[i] - other[i]
    if not core.close(a, b, 1e-6, 1e-9) and not core.close(first[i], second[i], 1e-6, 1e-9):
        operand = ("self", "other") if len(xs) == 2 else ("self",)
        held = ", ".join(f"{h:.3g}" for h in pre)
        held2 = ", ".join(f"{h:.3g}" for h in other)
        fail(f"{arg}: what your _backward adds to this input's gradient depends on the .grad the inputs already "
             f"held ({a:.4g} when they held {held}, {b:.4g} when they held {held2}, with the same out.grad)"
             f"{', and it raises when they hold 0' if raised else ''}: the local derivative is built from values "
             f"({' and '.join(o + '.data' for o in operand)}, out.data) and multiplied by out.grad; "
             f"{operand[0]}.grad is only what gets added to ({operand[0]}.grad read where a .data belongs?)",
             "reads-held-grad")


def _explain_grad_for_data(Value, build, xs, i, seed, pre, s, want, arg, rtol, atol) -> None:
    """A local derivative that is 0 when the inputs start from grad 0 and equals an input's earlier .grad when they
    start from other values: the closure multiplies by input.grad where input.data belongs."""
    if not core.close(s, 0.0, rtol, atol) or core.close(want[i], 0.0, rtol, atol):
        return
    held = [0.5 + 0.25 * j for j in range(len(xs))]      # distinct, non-zero, unlike any derivative here
    try:
        _, got, _, _ = _outcome(Value, build, xs, seed, held, arg)
    except core.CheckFailure:
        return
    local = (got[i] - held[i]) / seed
    operand = ("self", "other") if len(xs) == 2 else ("self",)
    for j, h in enumerate(held):
        if core.close(local, h, 1e-9, 1e-12):
            fail(f"{arg}: your local derivative is {operand[j]}.grad, the gradient input {j + 1} already held (0 "
                 f"when it starts from 0, {h:g} when it holds {h:g}), not the number {operand[j]}.data: the local "
                 f"derivative is built from the operands' values (.data); .grad is only what gets added to",
                 "grad-for-data")


def _records_operands(out, leaves, xs, name) -> None:
    """Right value and gradients, yet the result is a parentless leaf: possible only where the derivative
    is 0 (relu of a negative number), through a branch that returns a fresh Value(...) without children."""
    if leaves and not _parents(out):
        at = ", ".join(f"{x:.4g}" for x in xs)
        fail(f"{name} at input(s) {at}: the result has no parents (_prev is empty): it was created as a new "
             f"leaf, detached from its input. Even where the derivative is 0, the result of an operation records "
             f"its operand(s), e.g. Value(0.0, (self,), 'relu'): backward() and the graph drawing follow _prev (a "
             f"branch that returns a fresh Value(...) early, without _children?)", "result-detached-zero-derivative")


def _operands_in_prev(out, leaves, want, name) -> None:
    """Every operand the result depends on must be one of its parents (or reached through them):
    backward() finds the nodes to process through _prev alone."""
    missing = [i for i in _reaches(out, leaves) if abs(want[i]) > 1e-6]
    if missing:
        fail(f"{name}: input {missing[0] + 1} is not among the result's parents (_prev), although the result "
             f"depends on it: backward() finds the nodes to process through _prev, so that input, and everything "
             f"it was computed from, would never get its gradient. Pass every operand as a child: "
             f"Value(data, (self, other), op)", "operand-not-in-prev")


def _sign_of_out_grad(Value, build, xs, seed, pre, want, grads, name, rtol, atol) -> None:
    """A closure whose gradient is right for one sign of out.grad and wrong for the other tests out.grad
    (e.g. ``out.grad > 0``) where the local derivative should only depend on the data."""
    try:
        _, other, _, _ = _outcome(Value, build, xs, -seed, pre, name)
    except core.CheckFailure:
        return
    right = core.close(np.array(grads), np.array([p + seed * w for p, w in zip(pre, want)]), rtol, atol)
    right_other = core.close(np.array(other), np.array([p - seed * w for p, w in zip(pre, want)]), rtol, atol)
    if right != right_other:
        good, bad = (seed, -seed) if right else (-seed, seed)
        fail(f"{name}: the gradient is right when out.grad = {good:.3g} but wrong when out.grad = {bad:.3g}: "
             f"the local derivative must not depend on out.grad (e.g. relu's is (out.data > 0), not "
             f"(out.grad > 0)); parent.grad += local_derivative * out.grad", "derivative-depends-on-out-grad")


def _own_finite_differences(Value, build, xs, grads, pre, seed, name, data=None):
    """The gradient must also match the student's own forward pass (finite differences; a step and a
    tolerance fitted to float32 when the engine computes in float32)."""
    low = _tolerance(data) != (_RTOL, _ATOL)
    eps, rtol, atol = (1e-3, 2e-3, 1e-4) if low else (_EPS, 1e-5, 1e-6)
    for i, x in enumerate(xs):
        def f(t, i=i):
            args = list(xs)
            args[i] = t
            return float(build(*[_new(Value, a) for a in args]).data)
        arr = np.array([x], dtype=np.float64)
        num = float(core.numerical_gradient(lambda a: f(float(a[0])), arr, eps=eps)[0])
        if not core.close(grads[i] - pre[i], seed * num, rtol, atol):
            fail(f"{name}: the gradient {(grads[i] - pre[i]) / seed:.6g} disagrees with the finite "
                 f"difference {num:.6g} of your own forward pass: your backward is not the derivative of your "
                 f"forward", "gradient-vs-own-forward")


def _explain_data_changed(found: str) -> None:
    """Value(x).data is not x exactly, on two numbers of other magnitudes and signs (found by ``_LEAF_REPAIRS``,
    which gives every other cell a constructor that stores the number as given)."""
    xs = (0.1234567891, -12.3456789012345)
    got = [float(v) for v in found.split("=", 1)[1].split()]
    why = ""
    for k in range(0, 9):
        if all(g == round(x, k) for g, x in zip(got, xs)):
            why = (" (your values are rounded to whole numbers: int() or round() in __init__?)" if k == 0 else
                   f" (your values are rounded to {k} decimals: a round() in __init__?)")
            break
    fail(f"Value(x).data must be the number x itself, exactly: Value({xs[0]!r}).data is {got[0]!r} and "
         f"Value({xs[1]!r}).data is {got[1]!r}{why}; store it unchanged, self.data = data (or float(data)): every "
         f"operation's result is made by this constructor, so a changed number changes every value and gradient",
         "data-not-exact")


def value_init(Value) -> None:
    """A new leaf: data stored as a number, grad 0, no parents, empty op label."""
    r = core.rng("lab05:init")
    if _unhashable(Value):
        fail(f"hash(Value(1.0)) raises TypeError: {HASH_REMOVED}", "value-unhashable")
    leaf_faults = _leaf_repairs(Value)
    if "prev-none" in leaf_faults:
        fail(LEAF_PREV_NONE, "leaf-prev-none")
    if "backward-is-backward" in leaf_faults:
        fail(LEAF_BACKWARD_IS_BACKWARD, "leaf-backward-is-backward")
    if _own_prev(Value):
        fail(SHARED_PREV, "prev-shared-by-every-value")
    changed = [f for f in leaf_faults if f.startswith("data-changed=")]
    if changed:
        _explain_data_changed(changed[0])
    for x in (1.75, float(r.normal()), 3, -0.25):     # 1.75 first: a number rounded to an integer is named
        v = _new(Value, x, repair=(False, False))
        _expect(core.expect_scalar(v.data, name="Value(x).data"), x, "Value(x).data")
        if _grad(v, "Value(x)") != 0:
            fail("a new Value must start with grad = 0.0", "initial-grad-not-zero")
        stored = _stored_prev(v)
        if len(stored) == 1 and isinstance(stored[0], tuple):
            fail("your constructor stores _children as ONE element: a leaf Value(x) has _prev == {()}, and "
                 "Value(3.0, (a, b), '+') would have {(a, b)}: self._prev = {_children} is a set holding the tuple; "
                 "write self._prev = set(_children)", "children-stored-as-one-tuple")
        if stored:
            fail("a leaf Value(x) must have no parents (_prev empty)", "leaf-has-parents")
        if getattr(v, "_op", None) != "":
            fail("a leaf Value(x) must have the empty op label _op = ''", "leaf-op-label")
        if not callable(getattr(v, "_backward", None)):
            fail("a leaf needs a _backward that does nothing, e.g. lambda: None", "leaf-no-backward")
        try:
            core.call(v._backward, name="a leaf's _backward")
        except core.CheckFailure as exc:
            said = value_words(str(exc), core.raised_function(exc))
            if said:
                fail(f"{exc}: {said[0]}", said[1])
            raise
        if v.grad != 0:
            fail("a leaf's _backward must do nothing", "leaf-backward-not-noop")
    a, b = _new(Value, 1.0, repair=(False, False)), _new(Value, 2.0, repair=(False, False))
    c = _new(Value, 3.0, (a, b), "+", what="Value(3.0, (a, b), '+')", repair=(False, False))
    ids = sorted(id(p) for p in _stored_prev(c))
    if ids != sorted((id(a), id(b))):
        fail(f"Value(data, (a, b), op) must remember exactly a and b as its parents in _prev: your constructor did "
             f"not store the children passed to it (Value(3.0, (a, b), '+') has {len(ids)} parent(s) in _prev); "
             f"self._prev = set(_children)", "children-not-stored")
    if getattr(c, "_op", None) != "+":
        fail(f"Value(data, children, op) must store the op label in _op: Value(3.0, (a, b), '+')._op is "
             f"{getattr(c, '_op', None)!r}, not '+' (self._op = _op; are the arguments mixed up?)", "op-not-stored")


_DUNDER = {"a + b": "__add__", "a * b": "__mul__", "a - b": "__sub__", "a / b": "__truediv__"}


def _binary(Value, op_name, build, forward, local, pairs, **kw):
    for x, y in pairs:
        try:
            _check_op(Value, build, forward, local, [x, y], op_name, **kw)
        except core.CheckFailure as exc:
            _explain_wraps_value(Value, build, exc, op_name)
            raise


def _explain_wraps_value(Value, build, exc: core.CheckFailure, op_name: str) -> None:
    """Value <op> Value raised TypeError while Value <op> number works and Value(a Value) raises the same
    kind of error: the operation wraps ``other`` in a Value even when it already is one."""
    if "raised TypeError" not in str(exc) or op_name not in _DUNDER:
        return
    try:
        Value(_new(Value, 1.25))
    except core.CheckFailure:
        return
    except TypeError as again:
        if str(again) not in str(exc) or \
                _fails(lambda: build(_new(Value, 0.75), 1.5)) or _fails(lambda: build(_new(Value, -0.5), 2.5)):
            return      # a number on the right fails too: not this mistake
        fail(f"{exc}: {op_name} works when b is a plain number but not when b is a Value, and Value(b) on a Value "
             f"raises the same TypeError: {_DUNDER[op_name]} wraps other in Value(...) even when it already is "
             f"a Value; wrap numbers only, other = other if isinstance(other, Value) else Value(other)",
             "wraps-value-again")
    except Exception:
        return


def _number_side(Value, build, forward, local, xs, name, **kw):
    """Operations with a plain number on one side: only the Value gets a gradient."""
    _check_op(Value, build, forward, local, xs, name, hint=WRAP_NUMBER, **kw)


#: NumPy scalars the docstring counts as plain numbers (np.int64: what len(), indexing and np.sum hand out).
_NUMPY_NUMBERS = (("np.int64(3)", np.int64(3)), ("np.int32(2)", np.int32(2)))

NUMPY_WRAP = ("a number that is not an int/float instance was not wrapped in a Value (a NumPy scalar such as "
              "np.int64 or np.float32 is neither): wrap everything that is not a Value, "
              "other = other if isinstance(other, Value) else Value(other)")


def _numpy_numbers(Value, sym: str, dunder: str, forward: Callable, d_self: Callable, d_rself: Callable,
                   divisor_int: bool = True, built=(), rbuilt=()) -> None:
    """``a <sym> n`` and ``a.<dunder>(n)`` with NumPy scalars n, after the same with a Python float passed: the
    docstring's "numbers" include them. ``d_self(a, n)``/``d_rself(a, n)``: d/da of a <sym> n / of n <sym> a;
    ``built``/``rbuilt``: the lab's constructions ``(a, n) -> Value`` from other operations (judged there)."""
    for label, n in _NUMPY_NUMBERS:
        x = 0.8
        cases = [(lambda a, n=n: getattr(a, dunder)(n), lambda a, n=n: forward(float(n), a),
                  lambda a, n=n: (d_rself(a, float(n)),), f"a.{dunder}({label}) ({label} {sym} a)", rbuilt)]
        if divisor_int or not isinstance(n, np.integer):
            cases.insert(0, (lambda a, n=n: forward(a, n), lambda a, n=n: forward(a, float(n)),
                             lambda a, n=n: (d_self(a, float(n)),), f"a {sym} {label}", built))
        for build, oracle, local, name, ways in cases:
            try:
                _check_op(Value, build, oracle, local, [x], name, hint=NUMPY_WRAP,
                          compositions=tuple(lambda a, w=w, n=n: w(a, n) for w in ways))
            except core.CheckFailure as exc:
                text = str(exc).split(f": {REFLECTED}")[0].split(f": {NUMPY_WRAP}")[0]
                if " raised " not in text:
                    raise
                fail(f"{text}, while the same with a Python float passed: {NUMPY_WRAP}", "numpy-number-not-wrapped")


def _pairs(tag: str, k: int = 3, lo: float = -2.0, hi: float = 2.0) -> list[tuple[float, float]]:
    r = core.rng(tag)
    return [(float(r.uniform(lo, hi)), float(r.uniform(lo, hi))) for _ in range(k)]


def _label(Value, build, name):
    out = _run(build, name)
    _data(out, Value, name)
    op = getattr(out, "_op", None)
    if (not isinstance(op, str) or not op) and _faults(Value)[1]:
        return      # the constructor drops the label: value_init's cell
    if not isinstance(op, str) or not op:
        fail(f"{name}: the result must carry a non-empty op label _op (e.g. '+'), for the graph drawing", "op-label-missing")


def add(Value) -> None:
    """a + b, a + number, number + a (``__radd__``) and a + a."""
    _own_prev(Value)    # a constructor sharing one _prev is value_init's mistake
    _binary(Value, "a + b", lambda a, b: a + b, lambda a, b: a + b, lambda a, b: (1.0, 1.0),
            _pairs("lab05:add"))
    _label(Value, lambda: _new(Value, 1.0) + _new(Value, 2.0), "a + b")
    c = float(core.rng("lab05:add:c").uniform(1, 3))
    _number_side(Value, lambda a: a + c, lambda a: a + c, lambda a: (1.0,), [0.7], "a + number", number=c)
    _number_side(Value, lambda a: c + a, lambda a: c + a, lambda a: (1.0,), [-1.3],
                 "number + a (__radd__)", number=c)
    try:
        _check_op(Value, lambda a: a + a, lambda a: 2 * a, lambda a: (2.0,), [0.4], "a + a")
    except core.CheckFailure as exc:
        _explain_one_contribution(Value, exc)
        raise
    _numpy_numbers(Value, "+", "__radd__", lambda a, n: a + n, lambda a, n: 1.0, lambda a, n: 1.0)


def _explain_one_contribution(Value, exc: core.CheckFailure) -> None:
    """a + b passed and d(a + a)/da is wrong: when one run of the closure of a + a gives a exactly ONE out.grad (on
    two seeds), the operand used twice received one contribution instead of two."""
    try:
        ones = []
        for seed in (1.0, -2.5):
            a = _new(Value, 0.4)
            out = a + a
            a.grad, out.grad = 0.0, seed
            out._backward()
            ones.append(core.close(float(a.grad), seed, 1e-9, 1e-12))
    except Exception:   # a probe that fails says nothing
        return
    if all(ones):
        fail(f"{exc}. The closure of a + a gave a ONE contribution, out.grad, instead of two: the same Value as both "
             f"operands gets one contribution per operand (self.grad += out.grad AND other.grad += out.grad, one "
             f"after the other, both reaching a); a loop over out._prev (a set, holding a once) or a guard such as "
             f"`if other is not self` drops the second one", "same-value-one-contribution")


def mul(Value) -> None:
    """a * b, a * number, number * a (``__rmul__``) and a * a."""
    _own_prev(Value)    # a constructor sharing one _prev is value_init's mistake
    _binary(Value, "a * b", lambda a, b: a * b, lambda a, b: a * b, lambda a, b: (b, a),
            _pairs("lab05:mul"),
            diagnose_local={"a * b: the gradients are swapped: d(a*b)/da = b, d(a*b)/db = a":
                            lambda a, b: (a, b)})
    _label(Value, lambda: _new(Value, 1.0) * _new(Value, 2.0), "a * b")
    c = float(core.rng("lab05:mul:c").uniform(1.5, 3))
    _number_side(Value, lambda a: a * c, lambda a: a * c, lambda a: (c,), [0.8], "a * number")
    _number_side(Value, lambda a: c * a, lambda a: c * a, lambda a: (c,), [-1.1],
                 "number * a (__rmul__)")
    try:
        _check_op(Value, lambda a: a * a, lambda a: a * a, lambda a: (2 * a,), [1.7], "a * a")
    except core.CheckFailure as exc:
        _explain_square_one_term(Value, exc)
        raise
    _numpy_numbers(Value, "*", "__rmul__", lambda a, n: a * n, lambda a, n: n, lambda a, n: n)
    # An operand holding 0 (a ReLU output, a zero weight): the local derivatives b and a need no division.
    try:
        _check_op(Value, lambda a, b: a * b, lambda a, b: a * b, lambda a, b: (b, a), [0.0, 1.3], "a * b with a = 0")
    except core.CheckFailure as exc:
        if "division by zero" not in str(exc) and "divide by zero" not in str(exc):
            raise
        fail(f"{exc}: a * b with a = 0 divides by zero in its _backward. The local derivatives need no division: "
             f"d(a*b)/da = b.data and d(a*b)/db = a.data (self.grad += other.data * out.grad); dividing out.data by "
             f"an operand's data breaks whenever that operand is 0", "mul-backward-divides")


def _explain_square_one_term(Value, exc: core.CheckFailure) -> None:
    """a * b passed but d(a * a)/da is wrong: when, at two inputs and on top of an existing gradient, it adds
    exactly one of the two terms a * out.grad, the two updates (of self.grad and of other.grad, here the same
    attribute) overwrite each other: both were computed from the old gradient before either was written."""
    def one_term(x: float, g0: float, seed: float) -> bool:
        try:
            a = _new(Value, x)
            a.grad = g0
            out = _run(lambda: a * a, "a * a")
            out.grad = seed
            _run(lambda: out._backward(), "(a * a)._backward()")
            return core.close(float(a.grad), g0 + x * seed, 1e-9, 1e-12)
        except (core.CheckFailure, TypeError, ValueError):
            return False
    if one_term(1.7, 0.0, 1.0) and one_term(-0.9, 0.4, 1.3):
        fail(f"{str(exc).split(': ')[0]}: your a * a adds only one of its two terms (a.grad grows by a * out.grad, "
             f"not 2a * out.grad), although a * b with two different Values is right: in a * a, self and other are "
             f"the same Value, so self.grad and other.grad are the same attribute, and the second update overwrites "
             f"the first when both are computed from the old gradients (a tuple assignment "
             f"`self.grad, other.grad = self.grad + ..., other.grad + ...`, or old values saved before the updates), "
             f"or only one update ran (a loop over out._prev, a set that holds a once: the same Value as both "
             f"operands gets one contribution per operand): "
             f"write two separate updates, self.grad += other.data * out.grad, then other.grad += self.data * out.grad",
             "square-one-term")


def power(Value) -> None:
    """a ** k for integer, negative and fractional k."""
    _own_prev(Value)    # a constructor sharing one _prev is value_init's mistake
    r = core.rng("lab05:pow")
    # k = 3 first: for k = 2, k * a**k and k * out**(k-1) coincide, so two mistakes could not be told apart
    for k in (3, 2, 1, -1, -2, 0.5, 1.5):
        x = float(r.uniform(0.3, 2.0))
        if isinstance(k, int) and k % 2 == 1:
            x = -x   # odd integer powers of negative numbers too
        # an integer k at the other sign too, after the first passed: the power rule holds for negative bases
        # (mse_loss's (p - t) ** 2 meets negative errors); a rule read off the output (abs(out) ** ((k-1)/k))
        # loses the sign of a ** (k - 1) there
        for xi in ((x, -x) if isinstance(k, int) else (x,)):
            try:
                _check_power(Value, k, xi)
            except core.CheckFailure as exc:
                if xi != x and not _unimplemented(exc):
                    _explain_negative_base(Value, exc, k, x)
                if k not in (3, 2) and not _unimplemented(exc):
                    _explain_integer_powers_only(Value, exc, k)
                raise
    _power_at_zero(Value)
    _label(Value, lambda: _new(Value, 2.0) ** 2, "a ** 2")


def _explain_negative_base(Value, exc: core.CheckFailure, k, x) -> None:
    """a ** k right at one sign of the base, wrong at the other: confirmed at a second exponent (k + 2, one
    of the same parity) before telling that the rule fails for negative bases."""
    def right(kk, xx) -> bool:
        try:
            _check_power(Value, kk, xx)
        except core.CheckFailure:
            return False
        return True
    neg = -abs(x)
    if right(k, abs(x)) and not right(k, neg) and right(k + 2, abs(x)) and not right(k + 2, neg):
        fail(f"the local derivative of a ** {k} at a = {neg:.4g} is wrong: a ** {k} and a ** {k + 2} are right at "
             f"a = {abs(x):.4g} and wrong at a = {neg:.4g}: the "
             f"power is wrong for negative bases (an abs() or a root of out.data, e.g. out.data ** ((k - 1) / k), "
             f"loses the sign of a ** (k - 1)): write the power rule from the input, "
             f"k * self.data ** (k - 1) * out.grad", "power-negative-base")


def _power_at_zero(Value) -> None:
    """a ** k at a = 0 for whole k >= 1 (the docstring's d/dself = k * self**(k-1) is defined there: 0 for k >= 2,
    1 for k = 1): a rule rewritten as k * out.data / self.data divides by 0.  Judged after the other inputs passed."""
    for k in (2, 3, 1):
        name = f"a ** {k} at a = 0"
        try:
            got, grads, _, _ = _outcome(Value, lambda a, k=k: a ** k, [0.0], 1.0, [0.0], name)
        except core.CheckFailure as exc:
            if "ZeroDivisionError" in str(exc) or "division by zero" in str(exc):
                fail(f"{exc}: a ** {k} is right at a != 0 and raises at a = 0, where the power rule "
                     f"d(a**k)/da = k * a**(k-1) is {1.0 if k == 1 else 0.0:g}: the local derivative divides by the "
                     f"input (k * out.data / self.data, which is k * a**(k-1) only for a != 0); write "
                     f"k * self.data ** (k - 1) * out.grad (mse_loss's (p - t) ** 2 meets a = 0 whenever a prediction "
                     f"equals its target, as a relu output of exactly 0 for a target 0)", "power-divides-by-input")
            raise
        _expect(got, 0.0, f"{name}: the value")
        _expect(grads[0], 1.0 if k == 1 else 0.0, f"{name}: the local derivative (the power rule k * a**(k-1))")


def _explain_integer_powers_only(Value, exc: core.CheckFailure, k) -> None:
    """a ** 3 and a ** 2 passed, a ** k fails: when the values of a ** -1 and a ** 0.5 are both wrong (or raise), the
    power works for integer exponents >= 2 only (a product a * a * ... built in a loop over range(k))."""
    def wrong(j) -> bool:
        try:
            got = float(core.expect_scalar((_new(Value, 1.7) ** j).data, name="a ** k"))
        except Exception:
            return True
        return not core.close(got, 1.7 ** j, 1e-9, 1e-12)
    if wrong(-1) and wrong(0.5):
        fail(f"{exc}. a ** 3 and a ** 2 are right, but the values of a ** -1 and a ** 0.5 are wrong: the power is "
             f"right only for whole exponents of at least 2 (a product a * a * ... repeated in a loop over range(k)?). "
             f"k may be any int or float (negative for a division, 0.5 for a square root): compute self.data ** k, "
             f"with the local derivative k * self.data ** (k - 1)", "power-integer-exponents-only")


def _check_power(Value, k, x) -> None:
    """a ** k at x against the oracle, with the power's catalogued mistakes."""
    _check_op(Value, lambda a, k=k: a ** k, lambda a, k=k: a ** k,
              lambda a, k=k: (k * a ** (k - 1),), [x], f"a ** {k}",
              diagnose_value={
                  "the forward value is a * k (self.data * k): ** is the power, self.data ** k":
                      lambda a, k=k: a * k,
                  "the forward value is k ** a (base and exponent swapped): self.data ** k":
                      lambda a, k=k: k ** a if k > 0 else None,
                  **({} if isinstance(k, int) else {
                      "the exponent was truncated to an integer (int(k)): a ** k must also work for a fractional k":
                          lambda a, k=k: a ** int(k)})},
              diagnose_local={**({} if k >= 0 else {
                              # before "the factor k is missing", which it equals at k = -1: a missing k
                              # fails at k = 3 already, checked first
                              "the sign of the exponent is lost for negative k (abs(k), or -k): d(a**k)/da = "
                              "k * a**(k-1), negative when k is": lambda a, k=k: (abs(k) * a ** (k - 1),)}),
                              "power rule off by one: d(a**k)/da = k * a**(k-1), not k * a**k":
                              lambda a, k=k: (k * a ** k,),
                              "power rule: d(a**k)/da = k * a**(k-1), the factor k is missing":
                              lambda a, k=k: (a ** (k - 1),),
                              "the power rule was evaluated at the output: d(a**k)/da = k * a**(k-1) with a the "
                              "input (self.data), not out.data = a**k": lambda a, k=k: (k * (a ** k) ** (k - 1),)})


# How the lab builds the derived operations from +, * and ** (the notebook's own hints, and the
# usual alternatives); evaluated with the student's operations when theirs give other results.
# None of them uses the operation it stands for (that would accept a mistake by itself).
_NEG = (lambda a: a * -1, lambda a: -1 * a)
_SUB = (lambda a, b: a + (-b), lambda a, b: a + b * -1, lambda a, b: a + (-1) * b)
_DIV = (lambda a, b: a * b ** -1, lambda a, b: b ** -1 * a)


def sub_neg(Value) -> None:
    """-a, a - b, a - number and number - a (``__rsub__``)."""
    _own_prev(Value)    # a constructor sharing one _prev is value_init's mistake
    _check_op(Value, lambda a: -a, lambda a: -a, lambda a: (-1.0,), [0.9], "-a", compositions=_NEG,
              diagnose_value={"-a computed the reciprocal 1 / a (self ** -1: the exponent -1 inverts, it does not "
                              "negate); the negation is self * -1": lambda a: 1 / a,
                              "-a computed -1 / a (the reciprocal with its sign flipped): the negation is self * -1":
                                  lambda a: -1 / a})
    _binary(Value, "a - b", lambda a, b: a - b, lambda a, b: a - b, lambda a, b: (1.0, -1.0),
            _pairs("lab05:sub"),
            diagnose_value={"a - b computed b - a: swapped operands in __sub__": lambda a, b: b - a},
            compositions=_SUB)
    r = core.rng("lab05:sub:c")
    c, x = float(r.uniform(2, 4)), float(r.uniform(-1, 1))
    _number_side(Value, lambda a: a - c, lambda a: a - c, lambda a: (1.0,), [x], "a - number", number=-c,
                 compositions=(lambda a: a + (-c), lambda a: a + c * -1, lambda a: a + (-1) * c))
    _number_side(Value, lambda a: c - a, lambda a: c - a, lambda a: (-1.0,), [x], "number - a", number=c,
                 diagnose_value={"number - a: __rsub__ swapped its operands, it computed "
                                 "a - number (Python calls a.__rsub__(number) for number - a)":
                                 lambda a: a - c},
                 compositions=(lambda a: c + (-a), lambda a: (-a) + c, lambda a: a * -1 + c))
    _numpy_numbers(Value, "-", "__rsub__", lambda a, n: a - n, lambda a, n: 1.0, lambda a, n: -1.0,
                   built=(lambda a, n: a + (-n),), rbuilt=(lambda a, n: n + (-a), lambda a, n: (-a) + n))


def div(Value) -> None:
    """a / b, a / number and number / a (``__rtruediv__``)."""
    _own_prev(Value)    # a constructor sharing one _prev is value_init's mistake
    pairs = [(x, y if abs(y) > 0.5 else y + 1.5) for x, y in _pairs("lab05:div")]
    failed = None
    try:
        _binary(Value, "a / b", lambda a, b: a / b, lambda a, b: a / b,
                lambda a, b: (1 / b, -a / b ** 2), pairs, compositions=_DIV,
                diagnose_value={"a / b computed 1 / (a * b): the power -1 applies to the whole product ((self * "
                                "other) ** -1) where it belongs to the divisor alone, self * other ** -1 (** binds "
                                "tighter than *, so no parentheses are needed)": lambda a, b: 1 / (a * b),
                                "a / b computed a * b (the divisor multiplied instead of inverted: other ** -1)":
                                    lambda a, b: a * b})
    except core.CheckFailure as exc:
        failed = exc
    if failed is not None:      # asked outside the except clause: its message carries no comparison of a case
        if " raised " in str(failed) and not _unimplemented(failed):
            _explain_sign_only(Value, "a / b", lambda a, b: a / b, failed)
        raise failed
    r = core.rng("lab05:div:c")
    c, x = float(r.uniform(2, 4)), float(r.uniform(0.5, 1.5))
    try:
        _number_side(Value, lambda a: a / c, lambda a: a / c, lambda a: (1 / c,), [x], "a / number",
                     compositions=(lambda a: a * c ** -1, lambda a: a * (1 / c), lambda a: a * Value(c) ** -1))
    except core.CheckFailure as exc:
        if exc.diagnosis in ("value-scaled", "wrong-value", "all-zero", "sign-flipped"):
            _explain_floor_division(Value, x, exc)
        raise
    _number_side(Value, lambda a: c / a, lambda a: c / a, lambda a: (-c / a ** 2,), [x],
                 "number / a",
                 diagnose_value={"number / a: __rtruediv__ swapped its operands, it computed "
                                 "a / number (Python calls a.__rtruediv__(number) for number / a)":
                                 lambda a: a / c,
                                 "number / a computed 1 / (number * a): __rtruediv__ divides by the number as well "
                                 "(self ** -1 / other); the number is the numerator, other * self ** -1":
                                 lambda a: 1 / (c * a),
                                 "number / a computed 1 / a: __rtruediv__ leaves the number out; it is the numerator, "
                                 "other * self ** -1": lambda a: 1 / a},
                 compositions=(lambda a: c * a ** -1, lambda a: a ** -1 * c, lambda a: Value(c) * a ** -1))
    # a / np.int64: the lab's self * other ** -1 meets NumPy's refusal of negative integer powers; not asked
    _numpy_numbers(Value, "/", "__rtruediv__", lambda a, n: a / n, lambda a, n: 1 / n, lambda a, n: -n / a ** 2,
                   divisor_int=False, built=(lambda a, n: a * n ** -1,),
                   rbuilt=(lambda a, n: n * a ** -1, lambda a, n: a ** -1 * n))


def _explain_sign_only(Value, label: str, op: Callable, exc: core.CheckFailure) -> None:
    """A binary operation raised: when it runs and is right on positive operands (two pairs) and raises on a pair
    with a negative operand, its formula holds for positive values only (through log, sqrt or a fractional power)."""
    def run(a, b):
        return float(op(_new(Value, a), _new(Value, b)).data)
    try:
        if not all(core.close(run(a, b), a / b, 1e-9, 1e-12) for a, b in ((1.7, 0.6), (0.45, 2.3))):
            return
    except Exception:   # fails on positive operands too: the cases' message stands
        return
    bad = []
    for a, b in ((-1.7, 0.6), (1.7, -0.6)):
        try:
            run(a, b)
        except Exception as err:
            bad.append(f"{a} / {b} raised {type(err).__name__.removeprefix('Remote')}: {err}")
    if bad:
        fail(f"{exc}; {label} is right for positive operands (1.7 / 0.6, 0.45 / 2.3) but {'; '.join(bad)}: division "
             f"must work for operands of any sign; a formula through log, exp or a square root (exp(log a - log b)) "
             f"holds for positive values only: self * other ** -1", "div-positive-only")


#: Integer-division slips of a / number, as the value they give (a, d) -> number.
_FLOOR_FORMS = {"a * (1 // number)": lambda a, d: a * (1 // d), "a // number": lambda a, d: a // d,
                "a * (number ** -1 // 1)": lambda a, d: a * (d ** -1 // 1)}


def _explain_floor_division(Value, x, exc) -> None:
    """a / number is wrong: divide a fixed a by five numbers; a floor division (//, int()) shows as values equal to
    one of the floor forms at all five (and right where the number is 1)."""
    numbers = (3.0, 0.4, 2.5, -3.0, 7.0)
    try:
        got = [float(_run(lambda d=d: _new(Value, x) / d, "a / number").data) for d in numbers]
    except core.CheckFailure:
        return
    for form, f in _FLOOR_FORMS.items():
        if all(core.close(g, f(x, d), 1e-9, 1e-12) for g, d in zip(got, numbers)):
            shown = ", ".join(f"a / {d:g} = {g:.4g}" for g, d in zip(got[:3], numbers))
            fail(f"{str(exc).split(': at every input')[0]}: your a / number equals {form} at every number tried "
                 f"(a = {x:.4g}: {shown}): // is floor division (1 // 3 is 0): a / number must divide exactly, "
                 f"self * other ** -1 or self * (1 / other)", "floor-division")


def _unary(Value, method: str, forward, local, xs, **kw):
    for x in xs:
        def build(a, method=method):
            fn = getattr(a, method, None)
            if fn is None:
                fail(f"Value has no method {method}()", "method-missing")
            return fn()
        _check_op(Value, build, forward, local, [x], f"a.{method}()", **kw)
    _label(Value, lambda: getattr(_new(Value, 0.5), method)(), f"a.{method}()")


def tanh(Value) -> None:
    _own_prev(Value)    # a constructor sharing one _prev is value_init's mistake
    r = core.rng("lab05:tanh")
    xs = [float(r.uniform(-2.5, 2.5)) for _ in range(3)] + [0.0]
    # tanh(a) is the docstring's promise for every a: saturated inputs of both signs (a cut-off such as
    # `1.0 if abs(a) > 20` loses the sign of a large negative a) and a moderate negative one
    saturated = [-float(r.uniform(21, 30)), float(r.uniform(21, 30))]
    # not far beyond: the notebook lets tanh be composed from exp, + and /, and exp(2a) overflows a float for a > 354.9
    xs.append(-float(r.uniform(0.3, 2.5)))
    kw = dict(diagnose_value={"the forward value is tan(a), the trigonometric tangent (math.tan): tanh is math.tanh":
                                  math.tan,
                              "the forward value is sinh(a) (math.sinh): tanh is math.tanh": math.sinh,
                              "the forward value is the sigmoid 1 / (1 + exp(-a)): tanh is math.tanh":
                                  lambda a: 1 / (1 + math.exp(-a))},
              compositions=(lambda a: ((2 * a).exp() - 1) / ((2 * a).exp() + 1),
                            lambda a: (a.exp() - (-a).exp()) / (a.exp() + (-a).exp()),
                            lambda a: 1 - 2 / ((2 * a).exp() + 1)),
              diagnose_local={"tanh derivative must use the output t = tanh(a): 1 - t**2, "
                              "not the input 1 - a**2": lambda a: (1 - a ** 2,),
                              "tanh derivative is 1 - t**2, not 1 - t": lambda a: (1 - math.tanh(a),),
                              "tanh derivative is 1 - t**2 (a minus), not 1 + t**2":
                                  lambda a: (1 + math.tanh(a) ** 2,),
                              "tanh applied twice in the derivative: t = tanh(a) is already the tanh, so the "
                              "derivative is 1 - t**2, not 1 - tanh(t)**2":
                                  lambda a: (1 - math.tanh(math.tanh(a)) ** 2,)})
    _unary(Value, "tanh", math.tanh, lambda a: (1 - math.tanh(a) ** 2,), xs, **kw)
    _wide_inputs(Value, "tanh", math.tanh, lambda a: (1 - math.tanh(a) ** 2,), xs, saturated, kw,
                 "tanh-saturated-input", " (it tends to -1 for a large negative a and to +1 for a large positive one)")


def _wide_inputs(Value, method: str, forward, local, moderate: list[float], wide: list[float], kw: dict,
                 diagnosis: str, tail: str = "") -> None:
    """The docstring's promise holds for every a in the operation's domain, not only for the moderate inputs the
    cases drew: the unary ``method`` judged again at inputs far out (large, or near a boundary of the domain),
    after the moderate ones passed.  A value wrong there only is told as such (a cut-off or clip of the input,
    min(a, 50), kept for 'overflow safety'), with both sets of inputs."""
    for x in wide:
        try:
            _unary(Value, method, forward, local, [x], **kw)
        except core.CheckFailure:
            _explain_wide(Value, method, forward, x, moderate, diagnosis, tail)
            raise


def _explain_wide(Value, method: str, forward, x: float, moderate: list[float], diagnosis: str, tail: str) -> None:
    """a.method() is right on moderate inputs and its value is wrong at a wide one: say so (the generic stories
    would blame a sign or a formula the moderate inputs already cleared)."""
    try:
        got = float(_run(lambda: getattr(_new(Value, x), method)(), f"a.{method}() at a = {x:.4g}").data)
    except Exception:   # a probe that fails says nothing: the original message stands
        return
    want = forward(x)
    if core.close(got, want, 1e-6, 1e-300):
        return
    fail(f"the value of a.{method}() at a = {x:.4g} is {got:.6g}, expected {want:.6g}: your {method} is right "
         f"for a = {', '.join(f'{m:.3g}' for m in moderate)} and wrong for this a, far from them: "
         f"does your forward cut off or clip large inputs (min(a, 50) 'against overflow') or small ones (max(a, 1e-2) "
         f"'against log(0)')? "
         f"math.{method}(self.data) is right for every a of its domain{tail}", diagnosis)


def exp_log(Value) -> None:
    _own_prev(Value)    # a constructor sharing one _prev is value_init's mistake
    r = core.rng("lab05:explog")
    wide = core.rng("lab05:explog-wide")        # its own draws: the moderate inputs stay as they were
    exp_moderate = [float(r.uniform(-2, 2)) for _ in range(3)]
    exp_kw = dict(diagnose_value={"your value is exactly 1 less than e ** a: math.expm1(a) computes e ** a - 1 (for precision "
                           "near 0); the exponential is math.exp(a)": math.expm1,
                           "base and exponent swapped: your value is a ** e (self.data ** math.e, a power of the "
                           "input), the exponential is e ** a: math.exp(self.data)":
                               lambda a: a ** math.e if a > 0 else float("nan")},
           diagnose_local={"exp derivative is exp(a) (out.data), not a": lambda a: (a,),
                           "exp applied twice in the derivative: out.data is already exp(a), so the derivative "
                           "is out.data, not exp(out.data)": lambda a: (math.exp(math.exp(a)),)})
    try:
        _unary(Value, "exp", math.exp, lambda a: (math.exp(a),), exp_moderate, **exp_kw)
    except core.CheckFailure as exc:
        if not _unimplemented(exc):
            _explain_exp_base(Value)
        raise
    log_moderate = [float(r.uniform(0.2, 3)) for _ in range(3)]
    log_kw = dict(diagnose_value={"log10 instead of the natural logarithm math.log": math.log10},
                  diagnose_local={"log derivative is 1/a (the input), not 1/log(a)":
                                  lambda a: (1 / math.log(a),),
                                  "log derivative is 1/a, not a": lambda a: (a,)})
    _unary(Value, "log", math.log, lambda a: (1 / a,), log_moderate, **log_kw)
    # far from the moderate inputs: exp of several tens of both signs (below 80: an engine keeping float32 data,
    # which the lab accepts, holds exp up to ~88), log near 0 (a few thousandths: the finite differences stay inside
    # the domain) and large
    _wide_inputs(Value, "exp", math.exp, lambda a: (math.exp(a),), exp_moderate,
                 [float(wide.uniform(55, 80)), -float(wide.uniform(55, 80))],
                 exp_kw, "exp-wide-input")
    small = [float(wide.uniform(2e-3, 5e-3))]
    if _tolerance(_new(Value, 0.5).data) != (_RTOL, _ATOL):
        small = []      # a float32 engine: its finite differences near 0 are too coarse to judge a gradient there
    _wide_inputs(Value, "log", math.log, lambda a: (1 / a,), log_moderate,
                 small + [float(wide.uniform(1e5, 1e7))], log_kw, "log-wide-input")


def _explain_exp_base(Value) -> None:
    """a.exp() is wrong: when its values at two inputs of both signs are powers b ** a of one base b (fitted as
    exp(log(out) / a), the same b on both), the exponential uses another base than e (2.718 written for e)."""
    bases = []
    for a in (1.7, -2.3):
        try:
            out = float(_new(Value, a).exp().data)
        except Exception:   # a probe that fails says nothing
            return
        if not out > 0:
            return
        bases.append(math.exp(math.log(out) / a))
    b = bases[0]
    if abs(bases[1] - b) > 1e-9 * b or abs(b - math.e) <= 1e-12 or abs(b - 1 / math.e) <= 1e-9:
        return      # 1/e: exp(-a), the one-change search names it
    fail(f"the value of a.exp() is b ** a with b = {b:.10g} (the same b at a = 1.7 and a = -2.3): your exp uses base "
         f"{b:.6g}, not e = {math.e:.10g}: use math.exp(self.data) (a written-out constant such as 2.718 ** a is off by "
         f"a relative error that grows with |a|)", "exp-wrong-base")


def relu(Value) -> None:
    _own_prev(Value)    # a constructor sharing one _prev is value_init's mistake
    r = core.rng("lab05:relu")
    xs = [float(r.uniform(0.1, 2)), -float(r.uniform(0.1, 2)), float(r.uniform(0.1, 2)),
          -float(r.uniform(0.1, 2))]
    kw = dict(diagnose_value={"relu must return 0 for negative inputs": lambda a: a,
                           "relu returns 1 for a positive input, the step (its derivative, float(a > 0)), instead of "
                           "the input itself: max(a, 0) is a for a > 0": lambda a: 1.0 if a > 0 else 0.0},
           diagnose_local={"relu derivative must be 0 for negative inputs (the gradient "
                           "only passes where the input is > 0)": lambda a: (1.0,),
                           "relu's mask is inverted: the gradient passes where the input is < 0 and is 0 where it "
                           "is > 0; it must pass where the input is > 0, (out.data > 0) * out.grad":
                               lambda a: (1.0 if a < 0 else 0.0,)})
    failed = None
    try:
        _unary(Value, "relu", lambda a: max(a, 0.0), lambda a: (1.0 if a > 0 else 0.0,), xs, **kw)
    except core.CheckFailure as exc:
        failed = exc
    if failed is not None:      # outside the except clause: the one change fitting one input is not told
        if not _unimplemented(failed):
            _explain_near_threshold(Value, xs, [])
        raise failed
    # the docstring's max(a, 0) holds for every a, also near the threshold: inputs of both signs smaller than 1/2 in
    # size (a test on a rounded or truncated copy of the input, round(a) > 0 or int(a) > 0, is wrong there only)
    near = core.rng("lab05:relu-near")
    small = [float(near.uniform(0.05, 0.45)), -float(near.uniform(0.05, 0.45)), float(near.uniform(0.05, 0.45))]
    for x in small:
        failed = None
        try:
            _unary(Value, "relu", lambda a: max(a, 0.0), lambda a: (1.0 if a > 0 else 0.0,), [x], **kw)
        except core.CheckFailure as exc:
            failed = exc
        if failed is not None:
            # told outside the except clause: the one change fitting this single input (round(a) >= 0) is not told
            _explain_near_threshold(Value, xs, small)
            raise failed
    _at_kink(Value, "relu", 0.0, 0.0, 0.0,
             "relu's derivative at exactly a = 0 must be 0 (the docstring: 1 where self > 0, else 0): the mask "
             "must be a strict > 0 test, (out.data > 0) or (self.data > 0), not >= 0")


def _explain_near_threshold(Value, moderate: list[float], small: list[float]) -> None:
    """a.relu() failed: its values on a scan of inputs of both signs.  When every negative input gives 0 and the
    positive ones are wrong (0) exactly below some bound and right above it, the test is made on a rounded or
    truncated copy of the input: told with the inputs on both sides of the bound."""
    scan = sorted(set([0.05, 0.2, 0.35, 0.45, 0.55, 0.7, 0.95, 1.05, 1.3, 1.7, 2.4] + [abs(x) for x in small]))
    try:
        pos = [float(_run(lambda x=x: _new(Value, x).relu(), f"a.relu() at a = {x:.4g}").data) for x in scan]
        neg = [float(_run(lambda x=x: _new(Value, -x).relu(), f"a.relu() at a = {-x:.4g}").data) for x in scan]
    except Exception:   # a probe that fails says nothing: the original message stands
        return
    if not all(core.close(v, 0.0, 0, 1e-12) for v in neg):
        return
    right = [core.close(v, x, 1e-9, 1e-12) for v, x in zip(pos, scan)]
    zero = [core.close(v, 0.0, 0, 1e-12) for v in pos]
    k = right.index(True) if True in right else len(scan)
    if k == 0 or k == len(scan) or not all(zero[:k]) or not all(right[k:]):
        return
    fail(f"a.relu() is 0 at every positive input up to a = {scan[k - 1]:.4g} (and at {', '.join(f'{x:.3g}' for x in scan[:k - 1])}) "
         f"and right from a = {scan[k]:.4g} on (negative inputs give 0, as they should): relu is max(a, 0) for every "
         f"a > 0, however small: the test must be on the input itself, self.data > 0 (a test on a rounded or "
         f"truncated copy is 0 for small positive a: round(a) > 0 below 0.5, int(a) > 0 below 1)",
         "relu-near-threshold")


def _at_kink(Value, method: str, x: float, value: float, derivative: float, words: str) -> None:
    """a.method() at an input where the docstring fixes the derivative by convention (relu at exactly 0): the value and
    the local derivative there, on top of a pre-existing grad (the finite differences of the cases cannot judge a
    kink).  Asked only after the method passed its cases, so it is cheap and names a wrong convention only."""
    name = f"a.{method}() at a = {x:g}"
    seed, pre = 1.5, 0.25
    got, grads, _, _ = _outcome(Value, lambda a: getattr(a, method)(), [x], seed, [pre], name)
    _expect(got, value, name)
    local = (grads[0] - pre) / seed
    if not core.close(local, derivative, 1e-9, 1e-12):
        fail(f"{name}: the local derivative is {local:.6g}, expected {derivative:g}: {words}", f"{method}-at-kink")


# --------------------------------------------------------------------------- backward()
class _Graph:
    """A random expression DAG built from checker closures on the student's Value class."""

    def __init__(self, Value, r: np.random.Generator, n_leaves: int, n_ops: int,
                 reuse: float = 0.3, same: bool = False, dense: bool = False, ordered: bool = False,
                 unary: bool = False, plan: tuple | None = None):
        self.nodes, self.local, self.parents, self.kinds = [], [], [], []
        self.values: list[float] = []     # the data each node was built with (no request to read it back)
        self.calls: list[int] = []
        self.repair = _faults(Value)
        self.Value = Value
        # While the graph is built, closures and leaf grads are set in two requests at the end (_flush).
        self._pending: tuple[list, list, list] | None = ([], [], [])
        if plan is not None:
            # plan = (leaf values, [(kind, i, j), ...]): a fixed graph; ordered=True gives each node a tuple _prev
            # listing its parents in the plan's order (the docstring allows "a set or tuple")
            for v in plan[0]:
                self._add(Value, float(v), (), "", ())
            for kind, i, j in plan[1]:
                self._op(Value, "+" if kind == "+" else "*", i, j)
                if ordered:
                    self.nodes[-1]._prev = (self.nodes[i], self.nodes[j])
            self.root = len(self.nodes) - 1
            self._flush()
            return
        value = float(r.uniform(0.3, 0.9))
        for _ in range(n_leaves):   # same=True: distinct leaves holding equal numbers
            self._add(Value, value if same else float(r.uniform(-1.5, 1.5)), (), "", ())
        if dense:
            # Every op sums ALL earlier nodes. Whether a sort that skips visited parents only when
            # pushing them (not when popping) processes a node twice depends on the order _prev
            # iterates in: a set's follows memory addresses, so such a mistake would be caught in
            # some runs and not others. ordered=True gives each node a tuple _prev (the docstring
            # allows "a set or tuple") listing its parents oldest first, so the newest is popped
            # first and the mistake shows in every run.
            for _ in range(n_ops):
                ps = tuple(range(len(self.nodes)))
                self._add(Value, sum(self.values[p] for p in ps), ps, "sum", (1.0,) * len(ps))
                if ordered:
                    self.nodes[-1]._prev = tuple(self.nodes[p] for p in ps)
            self.root = len(self.nodes) - 1
            self._flush()
            return
        for _ in range(n_ops):
            n = len(self.nodes)
            i = int(n - 1 - min(r.geometric(0.4) - 1, n - 1))      # mostly recent nodes: depth
            j = i if r.random() < reuse else int(r.integers(0, n))  # sometimes the same node twice
            kind = str(r.choice(["+", "*", "tanh"]))
            if unary:      # a chain: each node the tanh of the previous one
                i, kind = n - 1, "tanh"
            self._op(Value, kind, i, j)
        self.root = len(self.nodes) - 1
        self._flush()

    def _flush(self) -> None:
        """Set the closures and leaf grads _add deferred (two requests for the whole graph)."""
        nodes, closures, leaves = self._pending
        self._pending = None
        core.scatter(nodes, "_backward", closures)
        core.scatter(leaves, "grad", [0.0] * len(leaves))

    def _op(self, Value, kind: str, i: int, j: int) -> None:
        """Append node ``kind`` ("+", "*" or "tanh") of nodes i and j (tanh: of i), with its local derivatives."""
        a, b = self.values[i], self.values[j]
        if kind == "+":
            self._add(Value, a + b, (i, j), "+", (1.0, 1.0))
        elif kind == "*":
            self._add(Value, a * b, (i, j), "*", (b, a))
        else:
            t = math.tanh(a)
            self._add(Value, t, (i,), "tanh", (1 - t * t,))

    def _add(self, Value, data, parents, op, local):
        k = len(self.nodes)
        node = _new(Value, data, [self.nodes[p] for p in parents], op,
                    what="Value(data, _children, _op)", repair=self.repair)
        closure = self._closure(k, node, parents, local) if parents else _leaf_backward  # a leaf's: whatever __init__ gave
        if self._pending is not None:
            self._pending[0].append(node)
            self._pending[1].append(closure)
            if not parents:
                self._pending[2].append(node)
        else:
            node._backward = closure
            if not parents:
                node.grad = 0.0
        self.nodes.append(node)
        self.values.append(data)
        self.parents.append(parents)
        self.local.append(local)
        self.kinds.append(op)

    def evaluate(self, leaf_values) -> float:
        """The root's value as a plain function of the leaves (for finite-difference tests)."""
        vals = list(leaf_values)
        for k in range(len(vals), len(self.nodes)):
            ps = [vals[p] for p in self.parents[k]]
            kind = self.kinds[k]
            vals.append(sum(ps) if kind == "sum" else ps[0] + ps[1] if kind == "+" else ps[0] * ps[1] if kind == "*"
                        else math.tanh(ps[0]))
        return vals[self.root]

    def _closure(self, k, node, parents, local):
        nodes, calls = self.nodes, self.calls

        def _backward():
            # nodes[p].grad += d * node.grad for each parent, in order, in two requests: node's and
            # the parents' grads are read at once, summed here in the same order, written at once.
            calls.append(k)
            g, *held = core.gather([node] + [nodes[p] for p in parents], "grad")
            sums: dict = {}
            for p, current in zip(parents, held):
                sums.setdefault(p, current)
            for p, d in zip(parents, local):
                sums[p] = sums[p] + d * g
            core.scatter([nodes[p] for p in sums], "grad", list(sums.values()))
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
        try:
            held = core.gather(self.nodes, "grad")         # one request for the whole graph
        except AttributeError:
            return np.array([_grad(n, "a node") for n in self.nodes])    # names the node without one
        return np.array([core.expect_scalar(v, name="a node.grad") for v in held])


def _leaf_without_backward(Value) -> bool:
    """Value(x)._backward is not callable, or raises when called as backward() calls it, with no arguments (lambda
    self: None): value_init's mistake (asked only after a backward() raised)."""
    try:
        fn = getattr(Value(0.5), "_backward", None)
    except Exception:
        return False
    return not callable(fn) or _fails(fn)


ROOT_CLOSURE_EVERY_NODE = (" and no other node's ran at all: the loop over the topological order calls the closure of "
                           "the node backward() was called on (self._backward(), where the loop variable's "
                           "node._backward() belongs), once per node of the graph")


def _call_backward(root, name: str) -> None:
    fn = getattr(root, "backward", None)
    if not callable(fn):
        fail("Value has no backward() method", "no-backward")
    try:
        with core.numerics(name):
            fn()
    except RecursionError:
        fail(f"{name} hit Python's recursion limit: build the topological order iteratively, "
             f"with an explicit stack, instead of a recursive function", "recursion-limit")
    except core.CheckFailure:
        raise
    except NotImplementedError:
        fail("backward() is not implemented yet (it raised NotImplementedError)", "not-implemented")
    except Exception as exc:
        fail(f"{name} raised {core.error_kind(exc)}: {exc}", "backward-raised")


def _check_order(g: _Graph, name: str) -> None:
    """Every reachable interior node processed exactly once, after all of its consumers."""
    reach = g.reachable()
    interior = {k for k in reach if g.parents[k]}
    counts: dict[int, int] = {}
    for k in g.calls:
        counts[k] = counts.get(k, 0) + 1
    if set(counts) == {g.root} and counts[g.root] > 1:
        fail(f"{name}: the root's _backward ran {counts[g.root]} times{ROOT_CLOSURE_EVERY_NODE}", "root-closure-for-every-node")
    if any(c > 1 for c in counts.values()):
        paths = _paths(g)
        if all(counts.get(k, 0) == paths.get(k, 0) for k in interior):
            fail(f"{name}: a node's _backward ran more than once: every node ran exactly once per path from the root "
                 f"to it (up to {max(counts.values())} times), so your visited test never skipped a node. A node "
                 f"reached through two paths must be visited once: keep a visited set in the topological sort, made "
                 f"once before the loop, and test membership with what you add to it (visited.add(id(node)) with "
                 f"`node in visited`, or the reverse, never matches)", "ran-once-per-path")
        fail(f"{name}: a node's _backward ran more than once: a node reached through two paths "
             f"must be visited once (keep a visited set in the topological sort)", "ran-more-than-once")
    missing = interior - set(counts)
    if missing and not counts:
        _explain_no_closure(g.Value, name, len(interior))
    if missing:
        values = {g.nodes[k].data for k in reach - missing}
        if any(g.nodes[k].data in values for k in missing):
            fail(f"{name}: _backward was never called for {len(missing)} node(s), each holding the same number "
                 f"as a node that was processed: distinct Values holding equal numbers were taken for one node. "
                 f"Keep the *Values* in the visited set (they hash by identity), not their .data",
                 "visited-by-value")
        if g.root in missing:
            fail(f"{name}: the root's own _backward was never called (the node backward() was called on): the "
                 f"loop must run _backward for every node of reversed(topo), the root first (a slice such as "
                 f"topo[:-1] or a loop over the root's parents only leaves it out)", "root-not-processed")
        fail(f"{name}: _backward was never called for {len(missing)} node(s) of the graph: the "
             f"topological sort must include every node reachable through _prev", "node-not-processed")
    pos = {k: i for i, k in enumerate(g.calls)}
    edges = [(k, p) for k in interior for p in g.parents[k] if p in pos]
    wrong = [(k, p) for k, p in edges if pos[p] < pos[k]]
    if wrong:
        head = (f"{name}: a node's _backward ran before the _backward of a node that uses it, so its gradient was "
                f"still incomplete")
        _explain_breadth_first(g, head)
        if g.calls and g.calls[-1] == g.root:
            _explain_root_last(g.Value, head)
        if len(wrong) == len(edges) or g.calls[-1] != g.root:
            fail(f"{head}: call _backward in *reverse* topological order (outputs first)", "order")
        # Some edges right, some wrong, and the root ran last: the list is not a topological order at all.
        fail(f"{head}: your order runs the root's _backward last ({len(g.calls)} closures ran, {len(wrong)} of the "
             f"{len(edges)} parent links the wrong way), so the list you reverse starts with the root: each node "
             f"was appended to topo BEFORE its parents (a pre-order). A topological sort appends a node only after "
             f"all its parents (post-order): in an iterative sort, push the marker (node, True) before the parents so "
             f"that it pops after them; reversed(topo) then calls _backward in *reverse* topological order (outputs "
             f"first)", "order-pre-order")


def _distances(g: _Graph) -> dict[int, int]:
    """Each reachable node's distance from the root (fewest operations between them)."""
    dist, frontier = {g.root: 0}, [g.root]
    while frontier:
        nxt = []
        for k in frontier:
            for p in g.parents[k]:
                if p not in dist:
                    dist[p] = dist[k] + 1
                    nxt.append(p)
        frontier = nxt
    return dist


def _level_order(g: _Graph) -> int:
    """+1 when the closures ran level by level from the root outwards (distance from the root never decreasing),
    -1 when inwards (never increasing: the farthest first, the root last), 0 otherwise or when a graph has too
    few levels to say."""
    dist = _distances(g)
    levels = [dist[k] for k in g.calls if k in dist]
    if len(set(levels)) < 3 or len(levels) != len(g.calls):
        return 0
    if all(a <= b for a, b in zip(levels, levels[1:])):
        return 1
    if all(a >= b for a, b in zip(levels, levels[1:])):
        return -1
    return 0


def _explain_breadth_first(g: _Graph, head: str) -> None:
    """The closures ran in order of their distance from the root (a breadth-first visit: a queue, stack.pop(0) or a
    deque's popleft(), where a topological sort needs a depth-first stack).  Said only when a second random graph
    shows the same order."""
    way = _level_order(g)
    if not way:
        return
    probe = _Graph(g.Value, core.rng("lab05:order-bfs-probe"), 3, 24)
    try:
        _call_backward(probe.nodes[probe.root], "backward() on a second random graph")
    except core.CheckFailure:
        return
    if _level_order(probe) != way:
        return
    when = ("the nodes farthest from the root first and the root last (topo built breadth-first from the root, "
            "then reversed)" if way < 0 else "the root first, then its parents, then theirs (breadth-first from the "
            "root)")
    fail(f"{head}: on two random graphs your closures ran level by level, in order of their distance from the root: "
         f"{when}. A breadth-first visit is not a topological order: a node reached by a short path and by a longer "
         f"one must wait for every node on the longer path. Is the stack used as a queue (stack.pop(0), or a deque's "
         f"popleft())? Sort depth-first with stack.pop() (the newest entry), append a node to topo only after all its "
         f"parents (post-order) and call _backward over reversed(topo)", "order-breadth-first")


def _explain_root_last(Value, head: str) -> None:
    """The root's _backward ran last.  Two sorts do that: a right post-order that is not reversed, and a reversed
    pre-order (each node appended before its parents).  A second probe tells them apart: on a -> b = tanh(a) ->
    c = tanh(b) -> root = c + b, with the root's parents listed in both orders, a reversed pre-order runs c before b
    (right) for one of the orders, a forward post-order never."""
    mixed, all_wrong = False, True
    for first in (2, 1):
        g = _Graph(Value, core.rng("lab05:order-probe"), 1, 0)
        for k in (1, 2):
            t = math.tanh(g.values[k - 1])
            g._add(Value, t, (k - 1,), "tanh", (1 - t * t,))
        g._add(Value, g.values[2] + g.values[1], (2, 1), "+", (1.0, 1.0))
        g.root = 3
        g.nodes[3]._prev = (g.nodes[first], g.nodes[3 - first])
        try:
            _call_backward(g.nodes[3], "backward() on a 4-node graph")
        except core.CheckFailure:
            return
        pos = {k: i for i, k in enumerate(g.calls)}
        if sorted(g.calls) != [1, 2, 3]:
            return
        edges = [(2, 1), (3, 2), (3, 1)]
        right = [pos[k] < pos[p] for k, p in edges]
        all_wrong = all_wrong and not any(right)
        mixed = mixed or (any(right) and not all(right) and g.calls[-1] == 3)
    if mixed:
        fail(f"{head}: the root's _backward runs last, and on a -> b = tanh(a) -> c = tanh(b) -> root = c + b your "
             f"order depends on the order of root._prev: the list you reverse starts with the root, each node "
             f"appended to topo BEFORE its parents (as a pre-order or a breadth-first visit does). A topological sort "
             f"appends a node only after all its parents (post-order): in an iterative depth-first sort, push the "
             f"marker (node, True) before the parents, so "
             f"that it pops after them; reversed(topo) then runs the outputs first", "order-pre-order")
    if all_wrong:
        fail(f"{head}: your order is the topological order itself, inputs first and the root last, whatever the "
             f"order of _prev: call _backward over the *reverse* topological order, reversed(topo) (outputs "
             f"first)", "order-not-reversed")


def _explain_no_closure(Value, name: str, n_interior: int) -> None:
    """backward() ran no closure at all.  With one interior node (the root) that may be the root alone left out
    (topo[:-1]): a larger graph tells the two apart before anything is said."""
    where = "on a graph with several operations"
    if n_interior < 2:
        where = "here, nor on a larger graph with several operations"
        g = _Graph(Value, core.rng("lab05:backward:no-closure"), 2, 6)
        try:
            _call_backward(g.nodes[g.root], name)
        except core.CheckFailure:
            return
        if g.calls:
            return      # closures ran on a larger graph: the root alone was left out, said by the caller
    fail(f"{name}: backward() ran no _backward closure at all, not even the root's, {where}: either the loop "
         f"`for node in reversed(topo): node._backward()` is missing, or topo comes out "
         f"empty (for example visited.add(node) placed before the test `if node in visited: continue` makes every "
         f"node, the root first, look already visited); every node reachable from the root is appended to topo "
         f"once and its _backward called", "no-closure-ran")


def _no_state_between_calls(earlier: list, before: list[int], name: str) -> None:
    """backward() on one graph runs the closures of that graph only: a call that also runs nodes of a graph an
    earlier call processed keeps its topological order (or visited set) from one call to the next."""
    again = sum(len(e.calls) - b for e, b in zip(earlier, before))
    if again:
        fail(f"{name}: this call also ran {again} _backward closure(s) of graphs that earlier backward() calls "
             f"processed (on other roots): the topological order is kept from one call to the next. Build topo "
             f"and visited afresh inside backward() (topo, visited = [], set()); a default argument such as "
             f"def backward(self, topo=[]) is created once and shared by every call, like a global or a class "
             f"attribute", "state-kept-between-calls")


def _explain_closures_replaced(g: _Graph, reach: np.ndarray, is_leaf: np.ndarray) -> None:
    """After one backward(), calling the interior nodes' _backward by hand runs none of the closures the graph was
    built with: the first call replaced them (node._backward = lambda: None after use), not kept a visited set."""
    interior = [int(k) for k in reach if not is_leaf[k]]
    before = len(g.calls)
    for k in interior:
        try:
            g.nodes[k]._backward()
        except Exception:
            return
    if len(g.calls) == before:
        fail(f"a second backward() on the same root ran no _backward closure at all, and after the first call "
             f"none of the {len(interior)} interior nodes' _backward does anything when called by hand: the first "
             f"backward() replaced or reset each node's _backward after using it (node._backward = lambda: None), "
             f"so the graph cannot be differentiated again. backward() must leave the nodes' closures in place; "
             f"only the interior grads are reset at the start of each call", "closures-replaced")


def _explain_reset_in_loop(Value, name: str) -> None:
    """Only the root keeps a gradient: is each interior grad reset inside the loop, right before its own _backward
    (which then passes 0 on)?  Two probes on the student's engine: root = a * b (no interior node) gets the right
    gradients, and in root = a * b + c the leaf c (a parent of the root) gets 1 while a, b and the interior a * b
    are left at 0.  A seed set too late would give c 0 too."""
    try:
        a, b = _new(Value, 0.75), _new(Value, -1.25)
        root = a * b
        root.backward()
        if not (core.close(float(a.grad), -1.25, 1e-9, 1e-12) and core.close(float(b.grad), 0.75, 1e-9, 1e-12)):
            return
        a, b, c = _new(Value, 0.75), _new(Value, -1.25), _new(Value, 0.5)
        m = a * b
        root = m + c
        root.backward()
        got = [float(v.grad) for v in (root, c, m, a, b)]
    except Exception:   # a probe that fails says nothing
        return
    if core.close(np.array(got), np.array([1.0, 1.0, 0.0, 0.0, 0.0]), 0, 1e-12):
        fail(f"{name}: the gradients are erased on the way down: backward() resets each interior node's grad to 0 "
             f"inside the loop, right before calling its _backward, which erases what the nodes closer to the root "
             f"have just passed to it (in a * b + c, c gets 1 but a * b, a and b keep 0; a * b alone is "
             f"right). Reset the interior grads in a loop of their own BEFORE the seed and the _backward loop",
             "interior-reset-in-loop")


def _check_identity(g: _Graph, name: str) -> None:
    """Nodes are told apart by identity, not by the number they hold."""
    reach = g.reachable()
    interior = {k for k in reach if g.parents[k]}
    if not interior <= set(g.calls):
        fail(f"{name}: _backward was never called for some nodes: distinct Values holding equal numbers were "
             f"taken for one node. Keep the *Values* in the visited set (they hash by identity), not their "
             f".data", "visited-by-value")


def _compare_grads(g: _Graph, got: np.ndarray, want: np.ndarray, name: str) -> None:
    reach = sorted(g.reachable())
    _explain_node_groups(g, got, want, reach, name)
    if abs(got[g.root] - want[g.root]) > 1e-9 and abs(got[g.root]) < 1e-12:
        fail(f"{name}: root.grad is 0 after backward(): seed the root with self.grad = 1 *after* resetting the "
             f"interior nodes' grads (the root is one of them: a reset that runs after the seed erases it) and "
             f"before calling the _backward closures", "root-not-seeded")
    if not core.close(got[g.root], want[g.root], 1e-9, 1e-12):
        # the wrong seed compared with what backward() has at hand: the root's own value (L for dL/dL)
        own = g.values[g.root] if g.root < len(g.values) else None
        if own is not None and core.close(got[g.root], own, 1e-9, 1e-12) and not core.close(own, 1.0, 1e-6, 1e-9):
            fail(f"{name}: after backward() the root's grad is {got[g.root]:.6g}, the root's own value (its "
                 f".data): backward() seeds with self.data where the seed is d root / d root = 1 whatever the "
                 f"root's value: self.grad += 1.0 (not self.grad += self.data)", "root-seeded-with-data")
        fail(f"{name}: after backward() the root's grad must be 1 (d root / d root), "
             f"got {got[g.root]:.6g}", "root-grad")
    others = [k for k in reach if k != g.root]
    if others and core.close(got[others], 0 * want[others], 0, 1e-12) and not core.close(want[others], 0 * want[others], 0, 1e-12):
        _explain_reset_in_loop(g.Value, name)
        fail(f"{name}: only the root has a gradient: set the seed self.grad = 1 *before* calling the _backward "
             f"closures (they propagate the root's grad, which must already be 1)", "seeded-too-late")
    core.expect_close(got[reach], want[reach], name=f"{name}: gradients", rtol=1e-7, atol=1e-9)


def _explain_node_groups(g: _Graph, got: np.ndarray, want: np.ndarray, reach: list[int], name: str) -> None:
    """Which nodes are wrong: leaves, interior nodes, the root.  Right leaves prove the seed and every closure ran
    in a right order; interior nodes (the root included) that then hold 0 were reset after their _backward ran."""
    leaves = [k for k in reach if not g.parents[k]]
    interior = [k for k in reach if g.parents[k]]
    if not leaves or not interior or not core.close(got[leaves], want[leaves], 1e-7, 1e-9):
        return
    if core.close(got[interior], 0 * want[interior], 0, 1e-12) and not core.close(want[interior], 0 * want[interior], 0,
                                                                                    1e-12):
        fail(f"{name}: the leaves' gradients are right (so the root was seeded and every _backward ran in a right "
             f"order), but every interior node, the root included, holds grad 0 after backward(): their grads were "
             f"reset *after* their _backward had run (a reset inside the loop over reversed(topo)?). Reset the "
             f"interior grads once, before seeding the root; after backward() each node keeps d root / d node",
             "interior-erased-after-use")
    wrong = [k for k in interior if not core.close(got[k], want[k], 1e-7, 1e-9)]
    if wrong and all(abs(got[k]) < 1e-12 for k in wrong) and core.close(got[g.root], want[g.root], 1e-9, 1e-12):
        fail(f"{name}: the leaves' gradients and the root's are right (so every _backward ran, in a right order), but "
             f"{len(wrong)} of the {len(interior) - 1} other interior nodes hold grad 0 after backward(): their grads "
             f"were reset *after* the closures had run (a reset loop placed after the loop over reversed(topo), or "
             f"inside it?). Reset the interior grads once, at the start, before seeding the root; after backward() "
             f"each node keeps d root / d node", "interior-erased-after-use")


def _paths(g: _Graph) -> dict[int, int]:
    """Number of distinct paths from the root to each reachable node (a parent listed twice counts once: _prev is
    a set)."""
    paths = {g.root: 1}
    for k in range(g.root, -1, -1):
        for p in set(g.parents[k]):
            if k in paths:
                paths[p] = paths.get(p, 0) + paths[k]
    return paths


def backward(Value) -> None:
    """Random DAGs (reuse, diamonds, unused nodes): order, seed and gradients of backward()."""
    _own_prev(Value)    # a constructor sharing one _prev is value_init's mistake
    earlier: list[_Graph] = []     # graphs of earlier calls: a new call must not touch them
    for t, (n_leaves, n_ops, same, dense) in enumerate([(1, 1, False, False), (2, 6, False, False),
                                                        (3, 25, False, False), (5, 60, False, False),
                                                        (4, 12, True, False), (1, 7, False, True)]):
        r = core.rng(f"lab05:backward:{t}")
        g = _Graph(Value, r, n_leaves, n_ops, same=same, dense=dense, ordered=dense)
        name = (f"backward() on a {'' if dense else 'random '}{n_leaves + n_ops}-node graph"
                + (" whose leaves are distinct Values holding the same number" if same else "")
                + (" in which every node sums all earlier ones" if dense else ""))
        before = [len(e.calls) for e in earlier]
        try:
            _call_backward(g.nodes[g.root], name)
        except core.CheckFailure as exc:
            if not dense or exc.diagnosis != "backward-raised":
                raise
            # Their sort needs set operations on _prev (their own sets): judge the graph as built.
            g = _Graph(Value, core.rng(f"lab05:backward:{t}"), n_leaves, n_ops, dense=True)
            before = [len(e.calls) for e in earlier]
            _call_backward(g.nodes[g.root], name)
        _no_state_between_calls(earlier, before, name)
        earlier.append(g)
        if same:
            _check_identity(g, name)
        _check_order(g, name)
        _compare_grads(g, g.grads(), g.adjoints(), name)
    # A leaf that is the root: d x / d x = 1
    x = _new(Value, 0.3)
    x.grad = 0.0        # whatever __init__ does (its own cell)
    try:
        _call_backward(x, "x.backward() on a leaf")
    except core.CheckFailure as exc:
        if exc.diagnosis != "backward-raised" or not _leaf_without_backward(Value):
            raise
        x = _new(Value, 0.3)    # the constructor's missing _backward is value_init's mistake: give it one
        x.grad, x._backward = 0.0, _leaf_backward
        _call_backward(x, "x.backward() on a leaf")
    if not core.close(_grad(x, "x"), 1.0, 1e-12, 1e-12):
        fail(f"x.backward() on a leaf x must give x.grad = 1, got {x.grad:.6g}: seed the root "
             f"with self.grad = 1", "leaf-root-not-seeded")
    _zero_branches(Value)


# L = d*e + (a*b)*c: with c = 0 the branch a*b (and a, b) has gradient 0, the branch d*e does not. Both operand
# orders of the root, so that in one of them a depth-first sort reaches the zero branch before the other one.
_ZERO_PLANS = [((0.5, -1.25, 0.0, 0.75, 1.5), [("*", 0, 1), ("*", 5, 2), ("*", 3, 4), ("+", 6, 7)]),
               ((0.5, -1.25, 0.0, 0.75, 1.5), [("*", 0, 1), ("*", 5, 2), ("*", 3, 4), ("+", 7, 6)])]


def _zero_branches(Value) -> None:
    """Graphs in which some nodes have gradient exactly 0 (a factor 0 upstream): every other node's gradient must
    still be right. A loop over reversed(topo) that stops at the first node whose grad is 0 passes the random graphs
    (no gradient there is ever exactly 0); the same graph with the 0 replaced by another number separates that
    cause from others."""
    for ordered in (True, False):
        for t, (leaves, ops) in enumerate(_ZERO_PLANS):
            name = ("backward() on L = d*e + (a*b)*c with c = 0 (so a*b, a and b have gradient 0)"
                    if t == 0 else "backward() on L = (a*b)*c + d*e with c = 0 (so a*b, a and b have gradient 0)")
            g = _Graph(Value, core.rng("lab05:backward:zero"), 0, 0, ordered=ordered, plan=(leaves, ops))
            try:
                _call_backward(g.nodes[g.root], name)
            except core.CheckFailure as exc:
                if ordered and exc.diagnosis == "backward-raised":
                    break     # their sort needs set operations on _prev (their own sets): the graphs as built
                raise
            got, want = g.grads(), g.adjoints()
            reach = sorted(g.reachable())
            if core.close(got[reach], want[reach], 1e-7, 1e-9):
                continue
            other = _Graph(Value, core.rng("lab05:backward:zero"), 0, 0, ordered=ordered,
                           plan=((*leaves[:2], 2.0, *leaves[3:]), ops))
            try:
                _call_backward(other.nodes[other.root], name)
                separated = core.close(other.grads()[reach], other.adjoints()[reach], 1e-7, 1e-9)
            except Exception:   # a probe that fails says nothing
                separated = False
            wrong = [k for k in reach if not core.close(got[k], want[k], 1e-7, 1e-9)]
            if separated and all(abs(got[k]) < 1e-12 for k in wrong):
                fail(f"{name}: {len(wrong)} node(s) whose gradient is not 0 were left with grad 0 (the gradients of d "
                     f"and e are {got[3]:.6g}, {got[4]:.6g}, expected {want[3]:.6g}, {want[4]:.6g}), and with c = 2 "
                     f"instead of 0 every gradient is right: your backward stops at the first node whose grad is 0 "
                     f"(a `break` on node.grad == 0?). A zero gradient at one node says nothing about the nodes after "
                     f"it in the order: run _backward for every node of reversed(topo)", "stops-at-zero-grad")
            _check_order(g, name)
            core.expect_close(got[reach], want[reach], name=f"{name}: gradients", rtol=1e-7, atol=1e-9)


def _square_plus(s):
    return s * s + s


class _Recorder:
    """Stands in for a node's _backward: records that backward() called it, then runs the original."""

    def __init__(self, k: int, original, calls: list):
        self.k, self.original, self.calls = k, original, calls

    def __call__(self) -> None:
        self.calls.append(self.k)
        self.original()


def backward_reuse(Value) -> None:
    """Your own operations with your backward(): a + a, a * a, diamonds, nodes used twice.

    Each interior node's own _backward is wrapped so that the order of the calls is recorded:
    every node exactly once, after all of its consumers; then the gradients must equal those of
    your closures replayed in that order from a seed of 1.  This cell judges backward(); a
    mistake inside an operation is judged in that operation's cell."""
    _own_prev(Value)    # a constructor sharing one _prev is value_init's mistake
    if _faults(Value)[0]:
        return      # your operations build no graph to traverse (the constructor drops _children): value_init's cell
    r = core.rng("lab05:reuse")
    a0, b0, c0 = (float(v) for v in r.uniform(0.3, 1.5, size=3))

    def build(a, b, c):
        d = a * b                 # a diamond: d feeds e and f, which meet in g
        e = d + c
        f = d * d
        g = (e * f + a + a).tanh() + e / b
        return g
    cases = [
        ("a + a", lambda a, b, c: a + a),
        ("a * a", lambda a, b, c: a * a),
        ("(a * b) + (a * c)", lambda a, b, c: a * b + a * c),
        ("s * s + s with s = a + b", lambda a, b, c: _square_plus(a + b)),
        ("a diamond graph", build),
    ]
    for name, fn in cases:
        try:
            try:
                _reuse_case(Value, name, fn, (a0, b0, c0), ordered=True)
            except _PrevNotASet:    # their sort needs set operations on _prev: judge their own sets
                _reuse_case(Value, name, fn, (a0, b0, c0), ordered=False)
        except core.CheckFailure as exc:
            broken = _broken_operation(Value)
            if broken is None:
                raise
            # Their operation builds no proper graph (see its own cell): backward() is judged on the same expression
            # made of checker nodes, whose closures are right.
            try:
                _reuse_on_checker_nodes(Value, name, (a0, b0, c0))
            except core.CheckFailure as again:
                raise core.CheckFailure(f"{again} (judged on {name} built from checker-made nodes, since your "
                                        f"{broken} fails its own cell)", again.diagnosis) from None
            del exc


#: backward_reuse's expressions as checker graphs: leaves, then (op, parent, parent) in creation order.
_REUSE_GRAPHS = {
    "a + a": (1, [("+", 0, 0)]),
    "a * a": (1, [("*", 0, 0)]),
    "(a * b) + (a * c)": (3, [("*", 0, 1), ("*", 0, 2), ("+", 3, 4)]),
    "s * s + s with s = a + b": (2, [("+", 0, 1), ("*", 2, 2), ("+", 3, 2)]),
    "a diamond graph": (3, [("*", 0, 1), ("+", 3, 2), ("*", 3, 3), ("*", 4, 5), ("+", 6, 0), ("+", 7, 0),
                            ("tanh", 8, 8), ("+", 9, 4)]),
}


def _broken_operation(Value) -> str | None:
    """The first of the student's operations + and * that fails its own cell (which names it), or None."""
    for label, check in (("a + b (__add__)", add), ("a * b (__mul__)", mul), ("tanh", tanh)):
        if not _ops_ok(Value, check):
            return label
    return None


def _reuse_on_checker_nodes(Value, name: str, values) -> None:
    n_leaves, ops = _REUSE_GRAPHS[name]
    g = _Graph.__new__(_Graph)
    g.nodes, g.local, g.parents, g.kinds, g.values, g.calls = [], [], [], [], [], []
    g.repair, g.Value, g._pending = _faults(Value), Value, ([], [], [])
    for v in values[:n_leaves]:
        g._add(Value, float(v), (), "", ())
    for op, i, j in ops:
        g._op(Value, op, i, j)
    g.root = len(g.nodes) - 1
    g._flush()
    label = f"backward() of {name}"
    # each node's parents in a tuple, in the graph's own order: the student's constructor stored a set, whose
    # iteration order follows memory addresses, and an order-sensitive backward must be judged the same everywhere
    interior = [k for k in range(len(g.nodes)) if g.parents[k]]
    sets = core.gather([g.nodes[k] for k in interior], "_prev")
    core.scatter([g.nodes[k] for k in interior], "_prev", [tuple(dict.fromkeys(g.nodes[p] for p in g.parents[k])) for k in interior])
    try:
        _call_backward(g.nodes[g.root], label)
    except core.CheckFailure as exc:
        if exc.diagnosis != "backward-raised":
            raise
        core.scatter([g.nodes[k] for k in interior], "_prev", sets)   # their sort needs set operations: their sets
        _call_backward(g.nodes[g.root], label)
    _check_order(g, label)
    _compare_grads(g, g.grads(), g.adjoints(), label)


class _PrevNotASet(Exception):
    """backward() raised on a graph whose _prev were tuples (allowed by the docstring)."""


def _reuse_case(Value, name: str, fn, values, ordered: bool) -> None:
    """One expression of :func:`backward_reuse` on fresh leaves.

    ordered=True lists every interior node's parents in a tuple, oldest first, so that what
    backward() does does not depend on the memory addresses a set of parents iterates by: a sort
    that skips visited nodes only when pushing them then processes the older parent twice in
    every run, not in one run out of two (the grade of a submission must not change between runs).
    """
    leaves = [_new(Value, v) for v in values]
    core.scatter(leaves, "grad", [0.0] * len(leaves))
    core.scatter(leaves, "_backward", [_leaf_backward] * len(leaves))
    try:
        out = _run(lambda: fn(*leaves), name)
    except core.CheckFailure as exc:
        if not _unimplemented(exc) and (_ops_raise(Value) or _case_ops_raise(Value)):
            return      # their +, *, /, ** or tanh raises on fresh Values: judged in that operation's cell
        raise
    _data(out, Value, name)
    dropped: set[int] = set()      # nodes whose _prev also held a plain number (a ** k's k: the power cell's)
    order, parents = _graph(out, numbers_ok=True, dropped=dropped)
    interior = [node for node in order if parents[id(node)]]
    if not ordered:
        fixed = [node for node in interior if id(node) in dropped]
        core.scatter(fixed, "_prev", [set(parents[id(node)]) for node in fixed])
    if ordered:
        # a canonical order, not the position in `order` (which follows the iteration order of the student's sets,
        # hence memory addresses): leaves in the order they were made, then nodes by depth and value
        made = {id(leaf): k for k, leaf in enumerate(leaves)}
        depth: dict[int, int] = {}
        for node in order:
            ps = parents[id(node)]
            depth[id(node)] = 1 + max((depth.get(id(p), 0) for p in ps), default=-1)
        data = {id(n): v if isinstance(v, float) else 0.0 for n, v in zip(order, core.gather(order, "data"))}

        def age(p):
            return (depth.get(id(p), 0), made.get(id(p), -1), data.get(id(p), 0.0))
        core.scatter(interior, "_prev", [tuple(sorted(parents[id(node)], key=age)) for node in interior])
    position = {id(node): k for k, node in enumerate(interior)}
    # a result holding no callable _backward (an operation that stored None): the operation's cell judges that;
    # backward() is judged on the order it calls the nodes in, that node's closure standing in as a no-op
    originals = [f if callable(f) else _leaf_backward for f in core.gather(interior, "_backward")]
    calls: list[int] = []
    core.scatter(interior, "_backward", [_Recorder(k, originals[k], calls) for k in range(len(interior))])
    try:
        _call_backward(out, f"backward() of {name}")
    except core.CheckFailure as exc:
        if ordered and exc.diagnosis == "backward-raised":
            raise _PrevNotASet() from None
        raise
    try:
        got = np.array(_grads(leaves, name))
    except core.CheckFailure as exc:
        if exc.diagnosis == "grad-is-a-value":
            return      # an operation's closure stores a Value in .grad: judged in that operation's cell
        raise
    counts = np.bincount(calls, minlength=len(interior)) if calls else np.zeros(len(interior), int)
    label = f"backward() of {name}"
    if len(counts) and counts[-1] > 1 and not counts[:-1].any():     # _topo puts the root last
        fail(f"{label}: the root's _backward ran {int(counts[-1])} times{ROOT_CLOSURE_EVERY_NODE}", "root-closure-for-every-node")
    if (counts > 1).any():
        fail(f"{label}: a node's _backward ran more than once: a node reached through two paths must be "
             f"visited once (keep a visited set in the topological sort)", "ran-more-than-once")
    if len(counts) and not counts.any():
        _explain_no_closure(Value, label, len(counts))
    if len(counts) and counts[-1] == 0:     # _topo puts the root last
        fail(f"{label}: the root's own _backward was never called (the node backward() was called on): the loop "
             f"must run _backward for every node of reversed(topo), the root first (a slice such as topo[:-1] "
             f"leaves it out)", "root-not-processed")
    if (counts == 0).any():
        fail(f"{label}: _backward was never called for {int((counts == 0).sum())} node(s): the topological "
             f"sort must include every node reachable through _prev", "node-not-processed")
    when = {k: i for i, k in enumerate(calls)}
    for node in interior:
        for parent in parents[id(node)]:
            if id(parent) in position and when[position[id(parent)]] < when[position[id(node)]]:
                fail(f"{label}: a node's _backward ran before the _backward of a node that uses it, so its "
                     f"gradient was still incomplete: call _backward in *reverse* topological order "
                     f"(outputs first)", "order")
    # replay their closures in their order, from a clean state and a seed of 1
    core.scatter(interior + leaves + [out], "grad", [0.0] * (len(interior) + len(leaves)) + [1.0])
    for k in calls:
        core.call(originals[k], name=f"the _backward closures of {name}")
    want = np.array(_grads(leaves, name))
    if core.close(got, want, 1e-6, 1e-9):
        return
    if core.close(got, 0 * want, 0, 1e-12) and not core.close(want, 0 * want, 0, 1e-12):
        _explain_reset_in_loop(Value, label)
        fail(f"{label}: every input's gradient is 0: seed the root with self.grad = 1 (after resetting the "
             f"interior nodes' grads, not before: the reset would erase it) before calling the _backward "
             f"closures", "not-seeded")
    core.expect_close(got, want, name=f"gradients of the inputs of {name} after backward() (expected: your "
                      f"closures run in your order from root.grad = 1)", rtol=1e-6, atol=1e-9)


def backward_deep(Value) -> None:
    """A 3,000-node chain (three times Python's default recursion limit): the sort must not recurse.

    The interior nodes keep the do-nothing _backward of your constructor; checker closures on
    the root and on the node next to the leaf record that backward() reached the far end (few
    requests: the chain is long, the bookkeeping small).  The root's closure gives every interior
    node the gradient a real chain of identities would pass down (1), in one request, so a
    backward() that rightly skips nodes whose grad is 0 still walks the whole chain."""
    _own_prev(Value)    # a constructor sharing one _prev is value_init's mistake
    n = 3_000
    try:
        _deep_chain(Value, n, noop=False)
    except core.CheckFailure as exc:
        if exc.diagnosis != "backward-raised" or not _leaf_without_backward(Value):
            raise
        # The constructor leaves _backward None (value_init's cell): give every node a do-nothing one.
        _deep_chain(Value, n, noop=True)


def _deep_chain(Value, n: int, noop: bool) -> None:
    x = _new(Value, 0.5)
    x.grad = 0.0
    x._backward = _leaf_backward
    nodes = [x] + _chain(Value, x, n, repair=_faults(Value))
    if noop:
        core.scatter(nodes[1:], "_backward", [_leaf_backward] * n)
    calls: list[str] = []

    def near_leaf():
        calls.append("first")
        x.grad += 1.0

    def at_root():
        calls.append("root")
        core.scatter(nodes[1:-1], "grad", [1.0] * (len(nodes) - 2))
    nodes[1]._backward = near_leaf
    nodes[-1]._backward = at_root
    name = f"backward() on a {n:,}-node chain"
    _call_backward(nodes[-1], name)
    # Depth only: the order and the number of visits are the backward cell's (random graphs).
    if not calls:
        fail(f"{name}: backward() ran no _backward closure at all, not even the root's: the closures are never called "
             f"(node._backward() needs its parentheses; node._backward alone does nothing) or topo comes out empty; "
             f"for node in reversed(topo): node._backward()", "deep-no-closure-ran")
    if "first" not in calls and len(calls) > 2 and set(calls) == {"root"}:
        fail(f"{name}: the root's _backward ran {len(calls)} times{ROOT_CLOSURE_EVERY_NODE}", "root-closure-for-every-node")
    if "first" not in calls:
        fail(f"{name}: backward() never reached the node next to the chain's input: the topological sort "
             f"must include every node reachable through _prev", "deep-node-not-reached")


def _leaves_kept(g: "_Graph", root, leaf_idx) -> None:
    """A leaf holding a large grad before backward() must still hold it (plus its gradient) afterwards."""
    for k in leaf_idx:
        g.nodes[k].grad = 1000.0
    _call_backward(root, "backward() on leaves already holding a gradient")
    held = g.grads()[leaf_idx]
    if bool(np.all(np.abs(held - 1000.0) > 100.0)):
        fail("backward() erased the gradient the leaves already held (a leaf holding 1000 before the call holds "
             f"{held[0]:.4g} after it): leaves keep and accumulate their grad; only *interior* nodes (those with "
             "parents, `if node._prev:`) are reset to 0 at the start of backward() (is the condition inverted?)",
             "leaves-reset-interior-kept")


def _explain_skips_when_seeded(Value, t: int, n_leaves: int, n_ops: int) -> None:
    """A second call that runs nothing: kept state (the visited set of the first call) or a backward() that does
    nothing when the root's grad is already non-zero?  A fresh graph whose root holds a grad set by hand, never
    seen by backward(), tells them apart."""
    g = _Graph(Value, core.rng(f"lab05:repeat:{t}"), n_leaves, n_ops)
    root = g.nodes[g.root]
    root.grad = 0.5
    try:
        _call_backward(root, "backward()")
    except core.CheckFailure:
        return
    if not g.calls:     # (a first call from grad 0 runs closures: backward_repeat returns early otherwise)
        fail("a second backward() on the same root ran no _backward closure at all, and neither does a first "
             "backward() on a new graph whose root's grad was set to 0.5 by hand: your backward() does nothing when "
             "the root's grad is already non-zero (an early return such as `if self.grad != 0: return`). backward() "
             "always runs: reset the interior nodes, add 1 to self.grad and call every _backward",
             "skips-when-root-has-grad")


def _explain_root_not_reset(Value, t: int, n_leaves: int, n_ops: int) -> None:
    """Leaves get more than twice one call's gradient: is the root the one interior node left out of the reset?
    On a fresh graph, resetting the root's grad by hand between the two calls must then give exactly twice."""
    g = _Graph(Value, core.rng(f"lab05:repeat:{t}"), n_leaves, n_ops)
    root = g.nodes[g.root]
    is_leaf = np.array([not p for p in g.parents])
    reach = np.array(sorted(g.reachable()))
    leaf_idx = reach[is_leaf[reach]]
    if not len(leaf_idx) or not g.parents[g.root]:
        return
    try:
        _call_backward(root, "the first backward()")
        once = g.grads()
        root.grad = 0.0
        _call_backward(root, "a second backward()")
    except core.CheckFailure:
        return
    if core.close(g.grads()[leaf_idx], 2 * once[leaf_idx], 1e-7, 1e-9):
        _explain_reset_depends_on_root(Value, t, n_leaves, n_ops)
        fail("repeated backward(): after two calls each leaf must hold exactly twice what one call gives, but holds "
             "more: the root's own grad is not reset at the start of backward() (it keeps the first call's 1, so the "
             "second pass starts from 2 and sends twice the gradient down). Resetting only the root by hand between the calls "
             "fixes it: the reset loop leaves out the root (a slice topo[:-1], or a loop that skips self); reset "
             "every interior node, the root included, before adding the seed 1", "root-not-reset")


def _explain_reset_depends_on_root(Value, t: int, n_leaves: int, n_ops: int) -> None:
    """Resetting the root by hand between two calls gives exactly twice: is the root alone left out of the reset
    (topo[:-1]), or is the whole reset skipped while the root holds a grad?  On a fresh graph called twice without
    help, the interior nodes other than the root then hold the gradient of the second call only (the root alone was
    left out) or the first call's still under it (no interior node was reset: the reset depends on the root's
    grad, e.g. it runs only when self.grad == 0)."""
    g = _Graph(Value, core.rng(f"lab05:repeat:{t}"), n_leaves, n_ops)
    root = g.nodes[g.root]
    reach = sorted(g.reachable())
    mid = np.array([k for k in reach if g.parents[k] and k != g.root], dtype=int)
    if not len(mid):
        return
    try:
        _call_backward(root, "the first backward()")
        once = g.grads()
        _call_backward(root, "a second backward()")
    except core.CheckFailure:
        return
    got = g.grads()[mid]
    # the root alone left out (kept at 1, seed added): every other interior node reset, then given 2 * once
    if not core.close(got, 2 * once[mid], 1e-7, 1e-9) and not core.close(once[mid], 0 * once[mid], 0, 1e-12):
        k = int(np.argmax(np.abs(got - 2 * once[mid])))
        fail(f"repeated backward(): on the second call the interior nodes between the root and the leaves were not "
             f"reset (one holds {got[k]:.6g} after the second call, {once[mid][k]:.6g} after the first: the first "
             f"call's gradient is still under the second's), while resetting the root's grad to 0 by hand between "
             f"the calls makes your backward() reset them all and give exactly twice one call: your reset of the "
             f"interior nodes depends on the root's grad (it runs only while the root's grad is 0, e.g. `if "
             f"node._prev and self.grad == 0`); at the start of EVERY call reset every interior node, the root "
             f"included, then add the seed 1 to the root", "reset-depends-on-root-grad")


def _ran_each_once(g: _Graph) -> bool:
    """Did the call ran every reachable interior node's closure exactly once?"""
    interior = sorted(k for k in g.reachable() if g.parents[k])
    return sorted(g.calls) == interior


def backward_repeat(Value) -> None:
    """Documented semantics: leaf gradients accumulate over calls; interior ones are reset.

    Judged relative to what one call of your backward() gives on the same graph, so that a
    mistake in a single call (order, seed: the backward cell) is not counted again here."""
    _own_prev(Value)    # a constructor sharing one _prev is value_init's mistake
    for t, (n_leaves, n_ops) in enumerate([(2, 8), (4, 40)]):
        g = _Graph(Value, core.rng(f"lab05:repeat:{t}"), n_leaves, n_ops)
        root = g.nodes[g.root]
        is_leaf = np.array([not p for p in g.parents])
        reach = np.array(sorted(g.reachable()))
        _call_backward(root, "the first backward()")
        if not _ran_each_once(g) and len(reach) > n_leaves:
            # One call already skips or repeats closures here (the backward cell's mistake): repetition is judged
            # on a chain of tanh nodes, which any traversal that follows _prev visits right, or not at all.
            g = _Graph(Value, core.rng(f"lab05:repeat:chain:{t}"), 1, n_ops // 2, unary=True)
            root = g.nodes[g.root]
            is_leaf = np.array([not p for p in g.parents])
            reach = np.array(sorted(g.reachable()))
            _call_backward(root, "the first backward() on a chain")
            if not _ran_each_once(g):
                return
        once = g.grads()
        ran = len(g.calls)
        if not ran and len(reach) > int(is_leaf.sum()):
            return      # one call already runs no closure at all: the backward cell's mistake, not repetition's
        _call_backward(root, "a second backward()")
        got = g.grads()
        if len(g.calls) == ran and len(reach) > int(is_leaf.sum()):
            _explain_skips_when_seeded(Value, t, n_leaves, n_ops)
            _explain_closures_replaced(g, reach, is_leaf)
            fail("a second backward() on the same root ran no _backward closure at all: backward() remembers from "
                 "the first call which nodes it has visited, so the topological order of the second call is empty. "
                 "Build topo and visited afresh inside backward(); a default argument (visited=set()), a global or "
                 "a class attribute is kept from one call to the next", "state-kept-between-calls")
        expected = np.where(is_leaf, 2 * once, once)
        leaf_idx = reach[is_leaf[reach]]
        if not core.close(got[leaf_idx], expected[leaf_idx], 1e-7, 1e-9):
            if core.close(got[leaf_idx], once[leaf_idx], 1e-7, 1e-9):
                fail("after two backward() calls leaf gradients must have accumulated to twice "
                     "the gradient (they were reset or overwritten instead): leaves keep their "
                     "grad, only interior nodes are reset to 0 at the start of backward()", "leaves-reset")
            _leaves_kept(g, root, leaf_idx)
            _explain_root_not_reset(Value, t, n_leaves, n_ops)
            fail("repeated backward(): after two calls each leaf must hold exactly twice what one call gives. "
                 "Reset the grad of every interior node (one with parents) to 0 at the "
                 "start of backward(), otherwise the first call's interior gradients are "
                 "propagated a second time", "interior-not-reset")
        int_idx = reach[~is_leaf[reach]]
        if not core.close(got[int_idx], once[int_idx], 1e-7, 1e-9):
            fail("repeated backward(): interior nodes must hold the gradient of the last call "
                 "only: reset their grad to 0 at the start of backward()", "interior-not-reset")
        # zero the leaves by hand, call again: back to one call's gradient
        for k in np.flatnonzero(is_leaf):
            g.nodes[k].grad = 0.0
        _call_backward(root, "backward() after zeroing the leaves")
        if not core.close(g.grads()[reach], once[reach], 1e-7, 1e-9):
            fail("after zeroing the leaves' grads, backward() must give the same gradients as one call again",
                 "not-repeatable")
    _leaf_root_twice(Value)


def _leaf_root_twice(Value) -> None:
    """A root that is itself a leaf accumulates like every leaf: the docstring's step 3 *adds* 1 to self.grad, so
    x.backward() twice gives x.grad = 2 (as in PyTorch). Asked only when one call on a leaf gives 1 (the backward
    cell judges the seed itself); a seed written as self.grad = 1 overwrites and gives 1 again."""
    x = _new(Value, 0.7)
    x.grad = 0.0
    if _leaf_without_backward(Value):
        x._backward = _leaf_backward     # a constructor without _backward is value_init's mistake
    try:
        _call_backward(x, "x.backward() on a leaf x")
    except core.CheckFailure:
        return
    if not core.close(_grad(x, "x"), 1.0, 1e-12, 1e-12):
        return
    _call_backward(x, "a second x.backward() on the same leaf x")
    got = _grad(x, "x")
    if core.close(got, 1.0, 1e-12, 1e-12):
        fail("x.backward() called twice on a leaf x (a root that has no parents) gave x.grad = 1, not 2: a leaf's "
             "gradient accumulates over calls, and the root is a leaf here. Step 3 of the docstring adds 1 to the "
             "root's grad (self.grad += 1) after the interior nodes are reset; setting it (self.grad = 1) "
             "overwrites what the leaf held", "leaf-root-seed-overwrites")
    if not core.close(got, 2.0, 1e-12, 1e-12):
        fail(f"x.backward() called twice on a leaf x (a root that has no parents) gave x.grad = {got:.6g}, not 2: "
             f"a leaf's gradient accumulates over calls (one call gives 1, two give 2), the root too when it is a "
             f"leaf", "leaf-root-not-accumulated")


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
        fail(f"{name} has no parameters() method", "no-parameters")
    try:
        ps = core.call(fn, name=f"{name}.parameters()")
    except core.CheckFailure as exc:
        if "TypeError" in str(exc) and "'int' and 'list'" in str(exc):
            fail(f"{exc}: a list was added to the number 0: sum() of lists (or a total that starts at 0) starts "
                 f"from 0, and 0 + a list raises; start from an empty list, sum(lists, []), or use a comprehension "
                 f"[p for n in self.neurons for p in n.parameters()]{_which_layer_raises(module)}", "sum-of-lists-from-0")
        if "TypeError" in str(exc) and "'list'" in str(exc):
            fail(f"{exc}: a list and a single Value were added (self.w + self.b?): Python then asks the Value to add "
                 f"the list, which it cannot; a list joins a list, put the one Value in brackets, self.w + [self.b]",
                 "list-plus-value")
        raise
    if ps is None:
        fail(f"{name}.parameters() returned None: did you forget a `return` statement?", "parameters-returned-none")
    ps = list(ps)
    if any(isinstance(p, list) for p in ps):
        fail(f"{name}.parameters() must return a flat list of Values (e.g. self.w + [self.b]), not a list "
             f"that holds lists", "parameters-nested")
    if not all(core.is_instance(p, Value) for p in ps):
        fail(f"{name}.parameters() must return a list of Values", "parameters-not-values")
    return ps


def _which_layer_raises(module) -> str:
    """' (Layer.parameters() raises it too)' when the module's layers raise on their own."""
    layers = getattr(module, "layers", None)
    if not isinstance(layers, list) or not layers:
        return ""
    return " (Layer.parameters() raises it too)" if _fails(lambda: layers[0].parameters()) else ""


def _neurons_arrays(neurons: list, Value) -> list[tuple[list, Any]]:
    """:func:`_neuron_arrays` of every neuron: their w and b read in two requests under the judge."""
    try:
        ws, bs = core.gather(neurons, "w"), core.gather(neurons, "b")
    except AttributeError:
        return [_neuron_arrays(n, Value) for n in neurons]      # names the failure as _neuron_arrays does
    for w, b in zip(ws, bs):
        if not isinstance(w, list) or not core.is_instance(b, Value):
            fail("a Neuron must keep its weights in self.w (list of Values) and its bias in self.b", "neuron-attributes")
    for k, (neuron, w) in enumerate(zip(neurons, ws)):
        if w and all(_is_number(v) for v in w):
            # weights kept as plain numbers (the neuron's cell names it): made Values with the same numbers, so
            # that Layer, MLP and train_step are judged on their own
            ws[k] = [_new(Value, float(v)) for v in w]
            neuron.w = ws[k]
    return list(zip(ws, bs))


def _neuron_arrays(neuron, Value) -> tuple[list, Any]:
    w = getattr(neuron, "w", None)
    b = getattr(neuron, "b", None)
    if not isinstance(w, list) or not core.is_instance(b, Value):
        fail("a Neuron must keep its weights in self.w (list of Values) and its bias in self.b", "neuron-attributes")
    if w and all(_is_number(v) for v in w):
        fail(f"Neuron.w holds plain numbers ({core.describe(w[0])}), not Values: a number has no .grad, so "
             f"backward() can never reach the weights and training cannot change them; make each weight a Value, "
             f"[Value(...) for _ in range(nin)]", "neuron-weights-numbers")
    return w, b


def _expect_same_params(got: list, want: list, name: str, biases: list) -> None:
    gid, wid = [id(p) for p in got], [id(p) for p in want]
    if len(set(gid)) != len(gid):
        fail(f"{name}.parameters() lists a parameter more than once", "parameters-duplicated")
    if set(gid) == set(wid):
        return
    missing = set(wid) - set(gid)
    if missing and missing <= {id(b) for b in biases}:
        fail(f"{name}.parameters() is missing the bias(es): include b as well as the weights w", "parameters-missing-bias")
    if missing and len(missing) == len(wid) and _copies(got, want):
        fail(f"{name}.parameters() returns new Values holding the same numbers as its weights and bias (copies), "
             f"not the Values themselves: the optimiser then updates the copies and the model never learns; "
             f"return the Values, e.g. self.w + [self.b]", "parameters-copies")
    if missing and gid and not set(gid) & set(wid):
        fail(f"{name}.parameters() returns {len(gid)} Values and none of them is one of this {name}'s own "
             f"{len(wid)} parameters: {_OTHER_OBJECTS_PARAMETERS}", "parameters-of-another-object")
    if missing:
        fail(f"{name}.parameters() is missing {len(missing)} of its {len(wid)} parameters", "parameters-missing")
    fail(f"{name}.parameters() returns Values that are not its weights and biases", "parameters-foreign")


#: Said when parameters() returns only Values of other objects: the usual cause, a list kept between calls.
_OTHER_OBJECTS_PARAMETERS = ("they are another object's parameters, e.g. a list filled at an earlier call and kept (a "
                             "default argument such as _ps=[], which Python creates once, a class attribute shared by "
                             "every instance, or a global), so every instance returns the first one's: state kept "
                             "between calls; build the list from this object's own attributes at every call")


def _ops_ok(Value, *checks) -> bool:
    """Do the student's operations pass their own checks (silently)?"""
    for check in checks:
        try:
            getattr(check, "__wrapped__", check)(Value)     # its own verdict, None gradients included
        except core.CheckFailure:
            return False
    return True


def _ops_raise(Value) -> bool:
    """Does a + b or a * b on two fresh Values raise? Then a graph built from them cannot be judged here:
    the operation's own cell names the mistake (one mistake, one deduction)."""
    return any(_fails(lambda f=f: f(_new(Value, 0.75), _new(Value, -1.25)))
               for f in (lambda a, b: a + b, lambda a, b: a * b))


def _case_ops_raise(Value) -> bool:
    """Do the other operations of backward_reuse's expressions (a / b, a ** k, a.tanh()) raise on fresh Values
    of the cases' range (0.3 to 1.5)? A __pow__ that computes k ** self.data makes b ** -1, hence a / b, a
    complex number that Value() rejects: the power cell names it, not this one."""
    return any(_fails(lambda f=f: f(_new(Value, 0.75), _new(Value, 1.25)))
               for f in (lambda a, b: a / b, lambda a, b: b ** -1, lambda a, b: a ** 2, lambda a, b: a.tanh()))


def _act_error(Value, act: str) -> str | None:
    """The exception text the activation ``act`` raises on a fresh Value (of either sign), or None when it runs: a
    neuron or an MLP that raises the same is judged in the activation's cell (one mistake, one deduction)."""
    for x in (0.75, -0.75):
        try:
            _acts_of(act)(_new(Value, x))
        except core.CheckFailure:
            return None
        except Exception as exc:
            return f"{core.error_kind(exc)}: {exc}"
    return None


def _raised_by_act(exc: core.CheckFailure, Value, act: str) -> bool:
    """Did a neuron's (or MLP's) call raise the very error its activation raises alone (the activation's mistake)?"""
    said = _act_error(Value, act) if " raised " in str(exc) and not _unimplemented(exc) else None
    return bool(said) and f"raised {said}" in str(exc)


def _raised_by_neuron(exc: core.CheckFailure, model, x: list) -> bool:
    """Did the MLP's call raise the very error that its first layer's first neuron raises alone on the same input (a
    Neuron mistake, judged in the neuron's cell)?"""
    if " raised " not in str(exc) or _unimplemented(exc):
        return False
    try:
        list(model.layers)[0].neurons[0](x)
    except Exception as alone:
        return f"raised {core.error_kind(alone)}: {alone}" in str(exc)
    return False


def _reaches(out, inputs) -> list[int]:
    """Indices of ``inputs`` that the graph of ``out`` does not reach through _prev."""
    seen = {id(node) for node in _graph(out, numbers_ok=True)[0]}
    return [i for i, v in enumerate(inputs) if id(v) not in seen]


def _sum_forms(terms: list, start=None):
    """The usual ways to add Values up: sum(terms, start), an explicit loop, sum() + start."""
    forms = []
    if start is not None:
        forms.append(lambda: sum(terms, start))
        forms.append(lambda: sum(terms[1:], terms[0]) + start if terms else start)
        forms.append(lambda: sum(terms) + start)
        forms.append(lambda: start + sum(terms))
    else:
        forms.append(lambda: sum(terms))
        forms.append(lambda: sum(terms[1:], terms[0]))
    return forms


def _own_values(forms, name) -> list[float]:
    """The data of each construction computed with the student's operations (those that run)."""
    out = []
    for form in forms:
        try:
            out.append(float(_run(form, name).data))
        except (core.CheckFailure, TypeError, ValueError, AttributeError):
            continue
    return out


def _own_detached(build, inputs) -> bool:
    """Does the lab's construction, on the student's own operations, also lose some of ``inputs``?"""
    try:
        return bool(_reaches(_run(build, "the construction from your operations"), inputs))
    except core.CheckFailure:
        return True


def _acts_of(act):
    return {"tanh": lambda v: v.tanh(), "relu": lambda v: v.relu(), "linear": lambda v: v}[act]


_UNDEFINED_NAME = re.compile(r"NameError: name '(\w+)' is not defined")


def _comprehension_order(check: Callable) -> Callable:
    """A NameError raised by a comprehension whose `for` clauses are in the wrong order ([p for p in
    n.parameters() for n in self.neurons]: n is used before the clause that defines it) is named as such."""
    import functools

    @functools.wraps(check)
    def judged(*args: Any, **kwargs: Any) -> None:
        try:
            check(*args, **kwargs)
        except core.CheckFailure as exc:
            _explain_comprehension_order(exc)
            raise
    return judged


def _explain_comprehension_order(exc: core.CheckFailure) -> None:
    found = _UNDEFINED_NAME.search(str(exc))
    line = core.raised_line(exc)
    if not found or not line:
        return
    name = found.group(1)
    clauses = list(re.finditer(r"\bfor\s+(.+?)\s+in\b", line))
    binding = next((c for c in clauses if re.search(rf"\b{name}\b", c.group(1))), None)
    if binding is None or not clauses or clauses[0] is binding:
        return
    if not re.search(rf"\b{name}\b", line[clauses[0].start():binding.start()]):
        return
    fail(f"{exc}: in `{line.strip()}` the name {name} is used by a `for` clause that comes before the clause that "
         f"defines it (for {binding.group(1)} in ...): the for clauses of a comprehension run left to right, like "
         f"nested loops written in the same order: put `for {binding.group(1)} in ...` first", "comprehension-order")


@_comprehension_order
def neuron(Neuron, Value) -> None:
    _own_prev(Value)    # a constructor sharing one _prev is value_init's mistake
    r = core.rng("lab05:neuron")
    ops_ok = None
    for nin, act in [(1, "tanh"), (3, "relu"), (5, "tanh"), (4, "linear"), (2, "relu")]:
        n = core.call(Neuron, nin, act=act, rng=np.random.default_rng(0), name=f"Neuron({nin}, act={act!r})")
        w, b = _neuron_arrays(n, Value)
        if len(w) != nin:
            fail(f"Neuron({nin}) must have {nin} weights, got {len(w)}", "neuron-weight-count")
        _own_values_per_neuron(Neuron, n, w, b, nin, Value)
        wv, bv = r.normal(size=nin), float(r.normal() * 0.5)
        core.scatter(list(w[:nin]) + [b], "data", [float(v) for v in wv] + [bv])
        xv = r.normal(size=nin)
        if act == "relu":   # make sure both sides of relu are exercised
            xv = xv if float(wv @ xv + bv) > 0 else -xv
            if float(wv @ xv + bv) <= 0:
                b.data = bv = bv + 1.0 - float(wv @ xv + bv)
            if nin == 2:     # the negative side this time
                b.data = bv = bv - 2.0 - float(wv @ xv + bv)
        z = float(wv @ xv + bv)
        name = f"Neuron({nin}, act={act!r})(x)"
        xs = [_new(Value, v) for v in xv]
        try:
            out = _run(lambda: n(xs), name)
        except core.CheckFailure as exc:
            if _unimplemented(exc) or not (_ops_raise(Value) or _raised_by_act(exc, Value, act)):
                raise
            # their + or * raises on two Values, or the activation alone raises this very error (judged in that
            # operation's cell): the parameters only
            # their + or * raises on two Values (judged in that operation's cell): the parameters only
            _expect_same_params(_param_list(n, "Neuron", Value), w + [b], "Neuron", [b])
            continue
        _call_keeps_parameters(n, w, b, name)
        got = _data(out, Value, name)
        want = float(_act(act, np.array(z)))
        if not core.close(got, want, _RTOL, _ATOL):
            if ops_ok is None:
                ops_ok = _ops_ok(Value, add, mul, tanh, relu)
            terms = [wi * xi for wi, xi in zip(w, xs)] if not ops_ok else []
            own = [] if ops_ok else _own_values([lambda f=f: _acts_of(act)(f()) for f in _sum_forms(terms, b)], name)
            if not any(core.close(got, v, _RTOL, _ATOL) for v in own):
                _expect_neuron(n, w, b, act, wv, bv, xv, got, want, name, diagnose=_unclipped(act, {
                    ("the neuron forgot its activation: return act(w . x + b)" if not (act == "relu" and z < 0) else
                     f"at z = w . x + b = {z:.4g} < 0 the neuron returns z itself: relu(z) = max(0, z) is 0 for every "
                     f"z < 0, so the activation is missing, or applied only when z > 0 (z.relu() if z.data > 0 else "
                     f"z): return z.relu() whatever the sign of z"): z,
                    "the neuron forgot the bias b": float(_act(act, np.array(z - bv))),
                    **({"the bias b is added after the activation, act(w . x) + b"
                        + (" (or the activation is applied to each product w_i x_i before the sum, then b added: with "
                           "one input the two agree)" if nin == 1 else "")
                        + ": it belongs inside, act(w . x + b)": float(_act(act, np.array(z - bv))) + bv,
                        "the activation is applied to each product w_i x_i before the sum (then b added): the neuron "
                        "sums first and applies act once, act(w . x + b)":
                            float(np.sum(_act(act, wv * xv))) + bv if nin > 1 else None}
                       if act != "linear" else {}),
                    f"the activation {act!r} is ignored (tanh is applied)": math.tanh(z),
                    f"the activation {act!r} is ignored (ReLU is applied)": max(z, 0.0),
                    f"the sum leaves out the last input's term w[{nin - 1}] * x[{nin - 1}] (a loop over range(len(x) - 1) "
                    f"or a slice [:-1] stops one input early): z = b + the sum of all {nin} terms w[i] * x[i]":
                        float(_act(act, np.array(z - wv[-1] * xv[-1]))),
                    f"the sum leaves out the first input's term w[0] * x[0] (a loop starting at 1): z = b + the sum "
                    f"of all {nin} terms w[i] * x[i]": float(_act(act, np.array(z - wv[0] * xv[0]))),
                    "each term is w[i] + x[i] (+ where * belongs): z = b + the sum of the products w[i] * x[i]":
                        float(_act(act, np.array(bv + wv.sum() + xv.sum()))),
                }))
        try:
            # the same weights as for the first call (an operation that changes its operands' .data is its own
            # cell's mistake)
            core.scatter(list(w[:nin]) + [b], "data", [float(v) for v in wv] + [bv])
            x_numbers = [float(v) for v in xv]
            out_numbers = _run(lambda: n(x_numbers), f"{name} with plain numbers in x")
            _inputs_kept(x_numbers, [float(v) for v in xv], name, Value)
            _expect(_data(out_numbers, Value, name), got, f"{name} with x a list of plain numbers")
        except core.CheckFailure as exc:
            if not _unimplemented(exc):
                _expect_call_keeps_neuron(Neuron, nin, act)
            if _unimplemented(exc) or not _fails(lambda: w[0] * 1.5):
                raise      # else: Value * number fails in their __mul__, judged in its own cell
        # relu below zero: the output's gradient with respect to everything is 0, so a neuron that returns a fresh
        # Value(0.0) there is indistinguishable from z.relu() by its values and gradients (judged below): no
        # path through the graph is required on that side
        missing = _reaches(out, w + [b] + xs) if not (act == "relu" and z <= 0) else []
        if missing and not _own_detached(lambda: _acts_of(act)(sum((wi * xi for wi, xi in zip(w, xs)), b)),
                                         w + [b] + xs):
            what = [f"w[{i}]" if i < nin else "the bias b" if i == nin else f"x[{i - nin - 1}]" for i in missing]
            fail(f"{name}: the output does not depend on {', '.join(what)} through the graph: compute with "
                 f"the Values themselves (not their .data), so that backward() can reach them", "neuron-detached")
        core.scatter(w + [b] + xs, "grad", [0.0] * (len(w) + 1 + len(xs)))
        closures_run = True
        try:
            _reverse_pass(out, 1.0, name, zero=True)
        except core.CheckFailure as exc:
            if _unimplemented(exc) or not _fails(lambda: _reverse_pass(
                    _acts_of(act)(sum((wi * xi for wi, xi in zip(w, [_new(Value, v) for v in xv])), b)), 1.0, name,
                    zero=True)):
                raise
            closures_run = False    # the closures of the operations the neuron is made of fail there too: judged there
        dz = float(_act_grad(act, np.array(z)))
        try:
            held = _raw_grads(w + [b] + xs) if closures_run else None     # one request; judged in the order below

            def grads(vs, start, label):
                return [_grad_value(g, label) for g in held[start:start + len(vs)]] if held is not None \
                    else [_grad(v, label) for v in vs]
            if closures_run:
                core.expect_close(np.array(grads(w, 0, "w")), dz * xv, name=f"d({name})/dw")
                core.expect_close(grads([b], len(w), "b")[0], dz, name=f"d({name})/db")
                core.expect_close(np.array(grads(xs, len(w) + 1, "x")), dz * wv, name=f"d({name})/dx")
        except core.CheckFailure:
            if ops_ok is None:
                ops_ok = _ops_ok(Value, add, mul, tanh, relu)
            if ops_ok and not _faults(Value)[0]:
                raise
            # the gradients come from the operations' own closures, which are wrong: judged there
        _expect_same_params(_param_list(n, "Neuron", Value), w + [b], "Neuron", [b])
        grown = len(list(n.w))
        if grown != nin:
            fail(f"Neuron({nin}).parameters() changed the neuron: after one call, self.w holds {grown} Values instead "
                 f"of the {nin} weight(s) (self.w.append(self.b) or self.w += [self.b] adds the bias to the weights "
                 f"themselves, so the list grows at every call and the bias also acts as a weight); return a new "
                 f"list and leave self.w as it is, self.w + [self.b]", "neuron-parameters-grows-w")
        if len(_param_list(n, "Neuron", Value)) != nin + 1:
            fail(f"Neuron({nin}).parameters() must have {nin + 1} entries (weights and bias)", "neuron-param-count")
    _expect_call_keeps_neuron(Neuron, 3, "tanh")      # the cases set the parameters before each call: a call that
    #                                                   changes them shows only on a second call
    _expect_fresh_result(lambda nin: Neuron(nin, act="tanh", rng=np.random.default_rng(5)),
                         lambda nin: f"Neuron({nin}, act='tanh')", [3, 2], "Neuron")


def _call_keeps_parameters(n, w: list, b, name: str) -> None:
    """A call reads the neuron's parameters and binds no new ones: self.b and each self.w[i] after the call are the
    very Values the neuron held before it (a bias re-created in __call__ is not the one parameters() gave the
    optimiser, and it never learns)."""
    try:
        now_b, now_w = getattr(n, "b", None), list(getattr(n, "w", []))
    except Exception:   # a probe that fails says nothing
        return
    which = (["self.b"] if id(now_b) != id(b) else []) + \
        [f"self.w[{i}]" for i, (v, u) in enumerate(zip(now_w, w)) if id(v) != id(u)]
    if which:
        held = ""
        if "self.b" in which:
            try:
                held = f" (the new self.b holds {float(now_b.data):.4g})"
            except Exception:   # a probe that fails says nothing
                held = ""
        fail(f"{name}: the call changed the neuron: it replaced {', '.join(which)}{held}: after n(x), the neuron "
             f"holds a new Value where its parameter was, so the bias or weight parameters() gave the optimiser is no "
             f"longer the one the output depends on, and it never learns: __call__ rebinds the parameter "
             f"(self.b = Value(...), or self.b = self.b + w[i] * x[i] accumulating into it, inside __call__); create "
             f"the parameters once, in __init__, and only read them in __call__ (compute z in a local variable)",
             "neuron-call-replaces-parameters")


def _own_values_per_neuron(Neuron, n, w: list, b, nin: int, Value) -> None:
    """The docstring's "w a list of nin Values and b one Value": nin distinct weight Values, and a bias that belongs
    to this neuron (a second Neuron has its own)."""
    if len({id(v) for v in w}) != len(w):
        fail(f"Neuron({nin}).w holds the same Value object {len(w)} times, not {nin} different Values: "
             f"[Value(...)] * nin repeats ONE Value (all weights then move together); create a new Value for each "
             f"weight, [Value(...) for _ in range(nin)]", "neuron-shared-weights")
    other = core.call(Neuron, nin, rng=np.random.default_rng(1), name=f"Neuron({nin})")
    if id(_neuron_arrays(other, Value)[1]) == id(b):
        fail(f"two Neurons share one bias Value (Neuron({nin}).b is the same object in both): a Value created in the "
             f"class body (b = Value(0.0) under `class Neuron`) is one class attribute shared by every neuron, so "
             f"training moves all biases together; create it in __init__, self.b = Value(0.0)", "neuron-shared-bias")
    if any(id(v) == id(u) for v in w for u in _neuron_arrays(other, Value)[0]):
        fail("two Neurons share their weight Values: each Neuron must create its own nin Values in __init__",
             "neuron-shared-weights")


def _unclipped(act: str, diagnose: dict) -> dict:
    """Catalogued neuron values that relu clips to 0 say nothing (many wrong sums are negative): dropped."""
    return {m: v for m, v in diagnose.items() if act != "relu" or v != 0}


def _explain_terms(student, wv, bv, xv, name) -> None:
    """Which products w[i] * x[i] the student's sum holds, and how often: the linear neuron on x = one input at a
    time, b = 0, reads each product's coefficient; said only when those coefficients also give the student's value
    on the check's own x and b (a second probe)."""
    nin = len(wv)
    if nin < 2:
        return
    unit = [student(wv, 0.0, np.eye(nin)[j]) for j in range(nin)]
    pairs = [[i for i in range(nin) if core.close(u, wv[i], 1e-9, 1e-12)] for u in unit]
    if all(len(p) == 1 for p in pairs) and sorted(p[0] for p in pairs) == list(range(nin)) \
            and any(p[0] != j for j, p in enumerate(pairs)) and len(set(np.round(wv, 9))) == nin:
        sigma = [p[0] for p in pairs]             # x[j] is multiplied by w[sigma[j]]
        if core.close(student(wv, bv, xv), float(sum(wv[sigma[j]] * xv[j] for j in range(nin))) + bv, _RTOL, _ATOL):
            shown = ", ".join(f"x[{j}] * w[{sigma[j]}]" for j in range(nin))
            fail(f"{name}: each input is multiplied by another input's weight ({shown}): the zip pairs w and x out of "
                 f"step (x shifted, reversed or sorted?); z = b + w[0] * x[0] + ... + w[{nin - 1}] * x[{nin - 1}]",
                 "neuron-pairs-shifted")
    coef = np.array([u / wv[j] if abs(wv[j]) > 1e-3 else np.nan for j, u in enumerate(unit)])
    if np.any(np.isnan(coef)) or np.allclose(coef, 1.0, rtol=1e-6, atol=1e-9):
        return
    c = float(coef[0])
    if np.allclose(coef, c, rtol=1e-6, atol=1e-9) and not core.close(c, round(c), 0, 1e-6) and \
            core.close(student(wv, bv, xv), c * float(np.dot(wv, xv)) + bv, _RTOL, _ATOL):
        why = (f" = 1/nin: the sum of the products is divided by the number of inputs {nin} (a mean, "
               f"/ len(self.w), where the sum belongs)" if core.close(c, 1 / nin, 1e-9, 1e-12) else "")
        fail(f"{name}: every product w[i] * x[i] enters your sum {c:.6g} times (here and on one input at a time){why}; "
             f"z = b + w[0] * x[0] + ... + w[{nin - 1}] * x[{nin - 1}], each product once, then the activation",
             "neuron-products-scaled")
    rounded = np.round(coef)
    if not np.allclose(coef, rounded, rtol=0, atol=1e-6):
        return
    if not core.close(student(wv, bv, xv), float(np.dot(rounded * wv, xv)) + bv, _RTOL, _ATOL):
        return
    kept = [j for j in range(nin) if rounded[j] == 1]
    left = [j for j in range(nin) if rounded[j] == 0]
    more = [j for j in range(nin) if rounded[j] > 1]
    if kept == [nin - 1] and len(left) == nin - 1:
        what = (f"only the last product w[{nin - 1}] * x[{nin - 1}] is in your sum: each pass of the loop replaces z "
                f"(z = w[i] * x[i] + b) instead of adding to it (z = z + w[i] * x[i])")
    elif kept == [0] and len(left) == nin - 1:
        what = "only the first product w[0] * x[0] is in your sum (a return or break inside the loop?)"
    else:
        what = "; ".join(filter(None, [
            f"the products of input(s) {left} are left out" if left else "",
            f"the products of input(s) {more} are counted {int(rounded[more[0]])} times" if more else ""]))
    fail(f"{name}: {what}; z = b + w[0] * x[0] + ... + w[{nin - 1}] * x[{nin - 1}], each product once, then the "
         f"activation", "neuron-terms")


def _explain_bias_multiplied(student, wv, xv, name) -> None:
    """The linear neuron at b = 0, 2 and -0.7 (w, x the check's own): z equal to b * (w . x) at all three (0 at
    b = 0, scaling with b) reads as a bias that multiplies the weighted sum instead of adding to it."""
    dot = float(np.dot(wv, xv))
    if abs(dot) < 1e-3:
        return
    zs = {b: student(wv, b, xv) for b in (0.0, 2.0, -0.7)}
    if all(core.close(z, b * dot, 1e-7, 1e-9) for b, z in zs.items()):
        fail(f"{name}: the bias is multiplied, not added: with the weighted sum w . x = {dot:.6g}, your neuron's "
             f"pre-activation is {zs[0.0]:.3g} at b = 0, {zs[2.0]:.6g} at b = 2 and {zs[-0.7]:.6g} at b = -0.7, i.e. "
             f"b * (w . x); it must be z = w . x + b (the bias added once, then the activation)", "bias-multiplied")


def _explain_weights_normalised(student, wv, bv, xv, name) -> None:
    """The linear neuron with every weight scaled by 3 and by 1/4 (b, x the check's own): a pre-activation that does
    not move although w . x does, and that is u . x + b for the unit vector u = w / ||w|| here and on a second x,
    reads as weights normalised by their norm before the sum (a weight-norm habit)."""
    wv, xv = np.atleast_1d(np.asarray(wv, float)), np.atleast_1d(np.asarray(xv, float))
    norm = float(np.linalg.norm(wv))
    if norm < 1e-6 or abs(norm - 1.0) < 1e-3 or abs(float(wv @ xv)) < 1e-3:
        return
    zs = [student(c * wv, bv, xv) for c in (1.0, 3.0, 0.25)]
    if not all(core.close(z, zs[0], 1e-7, 1e-9) for z in zs):
        return
    x2 = -1.3 * xv + 0.4
    u = wv / norm
    if core.close(zs[0], float(u @ xv) + bv, 1e-7, 1e-9) and core.close(student(wv, bv, x2), float(u @ x2) + bv,
                                                                         1e-7, 1e-9):
        fail(f"{name}: the weights are normalised before the sum: with w, 3 w and w / 4 your pre-activation is "
             f"{zs[0]:.6g} each time, (w / ||w||) . x + b, here and for a second input x; the neuron uses its weights "
             f"as they are (their size is what training learns): z = w[0] * x[0] + ... + w[nin-1] * x[nin-1] + b, "
             f"no division by the norm of w", "neuron-weights-normalised")


def _expect_neuron(n, w, b, act, wv, bv, xv, got, want, name, diagnose) -> None:
    """The neuron's value; no catalogued slip: which of w, b and x the error comes from, found by re-running the
    neuron with one of them switched off or moved (isolate.explain_arguments)."""
    try:
        _expect(got, want, name, diagnose=diagnose)
    except core.CheckFailure as exc:
        if exc.diagnosis not in ("wrong-value", "all-zero"):
            raise

        def student(wa, ba, xa):
            for wi, v in zip(w, np.atleast_1d(wa)):
                wi.data = float(v)
            b.data = float(ba)
            return float(n([float(v) for v in np.atleast_1d(xa)]).data)

        # relu clips every wrong negative sum to the same 0, which no probe could tell apart: the sum is probed
        # through the linear neuron (self.act, set by the provided __init__) instead.
        probe_act = "linear" if act == "relu" else act

        def oracle(wa, ba, xa):
            return float(_act(probe_act, np.array(float(np.atleast_1d(wa) @ np.atleast_1d(xa)) + float(ba))))
        try:
            n.act = "linear"
            _explain_terms(student, wv, bv, xv, name)
            _explain_bias_multiplied(student, wv, xv, name)
            _explain_weights_normalised(student, wv, bv, xv, name)
        except core.CheckFailure:
            raise
        except Exception:   # a probe that fails says nothing
            pass
        finally:
            n.act = act
        try:
            if probe_act != act:
                n.act = probe_act
            found = isolate.explain_arguments(student, oracle, {"w": np.array(wv, float), "b": float(bv),
                                                                "x": np.array(xv, float)},
                                              rtol=_RTOL, atol=_ATOL, tag=name)
        except Exception:   # a probe that fails says nothing
            found = None
        finally:
            n.act = act
            for wi, v in zip(w, wv):
                wi.data = float(v)
            b.data = float(bv)
        if found and probe_act != act:
            found = (f"with the activation switched to 'linear' (self.act), {found[0]}", found[1])
        if found:
            fail(f"{name} is {got:.6g}, expected {want:.6g}: {found[0]} (z = w[0] * x[0] + ... + w[nin-1] * x[nin-1] + "
                 f"b, then the activation)",
                 f"neuron-{found[1]}")
        raise


def _mlp_structure(model, nin, nouts, Value, strict=True):
    layers = getattr(model, "layers", None)
    if not isinstance(layers, list) or len(layers) != len(nouts):
        fail(f"MLP({nin}, {nouts}) must keep its {len(nouts)} Layers in self.layers", "mlp-layers")
    Ws, bs, biases, weights, neurons_all = [], [], [], [], []
    sizes = [nin] + list(nouts)
    for L, layer in enumerate(layers):
        neurons = getattr(layer, "neurons", None)
        if not isinstance(neurons, list) or len(neurons) != sizes[L + 1]:
            fail(f"layer {L} must keep its {sizes[L + 1]} Neurons in self.neurons", "layer-neurons")
        if strict and len({id(n) for n in neurons}) != len(neurons):
            fail(f"layer {L} holds the same Neuron object several times (e.g. [Neuron(...)] * nout): create a new "
                 f"Neuron for each unit", "shared-neurons")
        cols = _neurons_arrays(neurons, Value)
        if any(len(w) != sizes[L] for w, _ in cols):
            fail(f"the neurons of layer {L} must each have {sizes[L]} weights", "layer-sizes")
        Ws.append([[w[i] for w, _ in cols] for i in range(sizes[L])])     # (in, out) of Values
        bs.append([b for _, b in cols])
        biases += [b for _, b in cols]
        weights += [wi for w, _ in cols for wi in w]
        neurons_all.append(neurons)
    return Ws, bs, weights, biases


def _model_for_train(MLP, Value):
    """(model, Ws, bs): MLP(3, [4, 4, 1]) for the train_step cell, its structure checked.  When the structure is
    wrong because a Layer (or its Neurons) has the wrong number of neurons or of weights (the mlp cell's mistake),
    the layers' neurons are rebuilt from the student's own Neuron class, so train_step is judged on their own parts
    in the right structure and a wrong Layer costs only its own cell.  A structure that cannot be rebuilt that way
    fails here (train_step is never left unjudged)."""
    model = core.call(MLP, 3, [4, 4, 1], rng=np.random.default_rng(4), name="MLP(3, [4, 4, 1])")
    try:
        Ws, bs, _, _ = _mlp_structure(model, 3, [4, 4, 1], Value, strict=False)
        return model, Ws, bs
    except core.CheckFailure as exc:
        if exc.diagnosis not in ("layer-neurons", "layer-sizes"):
            raise
        first = exc
    try:
        layers = list(model.layers)
        Neuron = core.gather([layers[0].neurons[0]], "__class__")[0]
        sizes = [3, 4, 4, 1]
        rebuilt = [[core.call(Neuron, sizes[L], "tanh", np.random.default_rng(10 * L + i), name="Neuron")
                    for i in range(sizes[L + 1])] for L in range(len(layers))]
        core.scatter(layers, "neurons", rebuilt)
        Ws, bs, _, _ = _mlp_structure(model, 3, [4, 4, 1], Value, strict=False)
    except Exception:
        raise first from None
    return model, Ws, bs


def _set_random(Ws, bs, r) -> tuple[list, list]:
    Wn, bn = [], []
    for W, b in zip(Ws, bs):
        arr = r.normal(size=(len(W), len(W[0]))) / math.sqrt(len(W))
        barr = r.normal(size=(1, len(b))) * 0.3
        Wn.append(arr)
        bn.append(barr)
    _set_values(Ws, bs, Wn, bn)
    return Wn, bn


def _set_values(Ws, bs, Wn, bn) -> None:
    """Every weight and bias .data set from the arrays, in one request under the judge."""
    objs, values = [], []
    for W, b, arr, barr in zip(Ws, bs, Wn, bn):
        for i, row in enumerate(W):
            for j, v in enumerate(row):
                objs.append(v)
                values.append(float(arr[i, j]))
        for j, v in enumerate(b):
            objs.append(v)
            values.append(float(barr[0, j]))
    core.scatter(objs, "data", values)


def _np_forward(Wn, bn, X, act="tanh", act_fn=None):
    """The MLP in NumPy (rows are samples); ``act_fn`` replaces the activation (for diagnoses)."""
    hs, zs = [X], []
    for W, b in zip(Wn, bn):
        zs.append(hs[-1] @ W + b)
        hs.append(act_fn(zs[-1]) if act_fn is not None else _act(act, zs[-1]))
    return hs, zs


def _same_error_on_one_number(model, x, exc: core.CheckFailure) -> bool:
    """Does the first layer, given one number of x instead of the list, raise the very error the MLP raised?"""
    try:
        list(model.layers)[0](x[0])
    except Exception as alone:
        return f"raised {core.error_kind(alone)}: {alone}" in str(exc)
    return False


def _layers_chained(model, x):
    """The student's own layers applied in turn, each to the whole list the previous one returned."""
    h = list(x)
    for layer in list(model.layers):
        h = list(layer(h))
    return h


def _own_mlp(model, x):
    """The MLP's output as its own neurons compute it, layer by layer (data of the last layer)."""
    h = list(x)
    for layer in model.layers:
        h = [neuron(h) for neuron in layer.neurons]
    return [float(v.data) for v in h]


def _own_params(model) -> list:
    """The parameters as the student's own Neuron.parameters() list them, layer by layer."""
    return [p for layer in model.layers for neuron in layer.neurons for p in list(neuron.parameters())]


def _same_structure(a, b, ordered=True) -> bool:
    """Same Values (by identity), nested the same way (lists compared item by item)."""
    if isinstance(a, list) != isinstance(b, list):
        return False
    if not isinstance(a, list):
        return id(a) == id(b)
    if len(a) != len(b):
        return False
    if ordered:
        return all(_same_structure(x, y) for x, y in zip(a, b))
    return all(not isinstance(x, list) for x in a + b) and {id(x) for x in a} == {id(x) for x in b}


@_comprehension_order
def mlp(MLP, Layer, Value) -> None:
    _own_prev(Value)    # a constructor sharing one _prev is value_init's mistake
    with _neuron_parameters_kept(MLP):
        try:
            _mlp(MLP, Layer, Value)
            _layer_mlp_fresh_results(MLP, Layer)
        except core.CheckFailure as exc:
            if _unimplemented(exc) or exc.diagnosis in ("layer-result-kept", "mlp-result-kept"):
                raise
            why = ("fails on inputs that are Values" if _neuron_fails_on_values(MLP, Value) else
                   "changes the caller's input list" if _neuron_changes_input(MLP) else
                   _neuron_replaces_parameters(MLP) or _neuron_stale(MLP))
            if why is None:
                broken = _broken_operation(Value)
                if broken is not None and core.judged_again(
                        lambda: _mlp(MLP, Layer, Value), _documented_ops(Value),
                        f"judged with the documented operations (+, *, tanh, relu) lent to your Value class in place "
                        f"of yours: your {broken} fails its own cell"):
                    return
                raise
            # Their Neuron works on numbers but not on Values, or empties / changes the list it is given (the neuron
            # cell names it), and a hidden layer hands the next one Values, a Layer the same x to every neuron:
            # Layer and MLP are judged with the documented neuron in place of theirs.
            with _documented_neuron_call(MLP):
                try:
                    _mlp(MLP, Layer, Value)
                except core.CheckFailure as again:
                    raise core.CheckFailure(f"{again} (judged with the documented neuron, act(w . x + b), in place "
                                            f"of yours, which {why}: see its cell)",
                                            again.diagnosis) from None


def _neuron_replaces_parameters(MLP) -> str | None:
    """Does a call of the student's neuron rebind its parameters (self.b = Value(0) inside __call__: the bias the
    model's parameters() listed is no longer the one the output depends on)?  The neuron cell names it."""
    try:
        neuron = MLP(2, [1], rng=np.random.default_rng(0)).layers[0].neurons[0]
        before = [id(p) for p in list(neuron.w) + [neuron.b]]
        neuron([0.5, -0.25])
        after = [id(p) for p in list(neuron.w) + [neuron.b]]
    except Exception:   # a probe that fails says nothing
        return None
    return "replaces its parameters when called (a new Value bound to self.b or self.w)" if after != before else None


#: The documented operations, lent to the student's Value class (run in the kernel) while a function built on them
#: is judged: their own cells judge the student's operations.
_OPS_LENT = '''
def documented_ops(Value):
    import math

    def wrap(o):
        return o if isinstance(o, Value) else Value(o)

    def __add__(self, other):
        other = wrap(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = wrap(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __radd__(self, other):
        return __add__(self, other)

    def __rmul__(self, other):
        return __mul__(self, other)

    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t ** 2) * out.grad
        out._backward = _backward
        return out

    def relu(self):
        out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")

        def _backward():
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad
        out._backward = _backward
        return out
    return [__add__, __mul__, __radd__, __rmul__, tanh, relu]
'''
_OPS_NAMES = ["__add__", "__mul__", "__radd__", "__rmul__", "tanh", "relu"]


@contextlib.contextmanager
def _documented_ops(Value):
    own = [core.gather([Value], name)[0] for name in _OPS_NAMES]
    lent = core.kernel_functions(_OPS_LENT)["documented_ops"](Value)
    for name, f in zip(_OPS_NAMES, list(lent)):
        core.scatter([Value], name, [f])
    try:
        yield
    finally:
        for name, f in zip(_OPS_NAMES, own):
            core.scatter([Value], name, [f])


def _neuron_fails_on_values(MLP, Value) -> bool:
    """Does the student's neuron compute on plain numbers and raise on Values?"""
    try:
        neuron = MLP(2, [1], rng=np.random.default_rng(0)).layers[0].neurons[0]
    except Exception:   # a probe that fails says nothing
        return False
    return not _fails(lambda: neuron([0.5, -0.25])) and \
        _fails(lambda: neuron([_new(Value, 0.5), _new(Value, -0.25)]))


def _neuron_changes_input(MLP) -> bool:
    """Does the student's neuron change the list of plain numbers it is given (the neuron cell names it)?"""
    try:
        neuron = MLP(2, [1], rng=np.random.default_rng(0)).layers[0].neurons[0]
        x = [0.5, -0.25]
        neuron(x)
    except Exception:   # a probe that fails says nothing
        return False
    return len(x) != 2 or not all(_is_number(v) for v in x) or [float(v) for v in x] != [0.5, -0.25]


def _documented_neuron(neuron, x):
    """The neuron of the docstring, act(sum_i w_i x_i + b), computed with the student's own Value operations (called
    back from the kernel: the neuron's code is its cell's answer and stays here)."""
    w, z = list(neuron.w), neuron.b
    for wi, xi in zip(w, list(x)):
        z = z + wi * xi
    act = getattr(neuron, "act", "tanh")
    return z.tanh() if act == "tanh" else z.relu() if act == "relu" else z


#: The kernel side of the lent neuron: a method that hands the neuron and its input to the judge's function.
_NEURON_CALL = '''
def lend(forward):
    def __call__(self, x):
        return forward(self, x)
    return __call__
'''


@contextlib.contextmanager
def _documented_neuron_call(MLP):
    neuron = MLP(2, [1], rng=np.random.default_rng(0)).layers[0].neurons[0]
    cls = core.gather([neuron], "__class__")[0]
    own = core.gather([cls], "__call__")[0]
    lend = core.kernel_functions(_NEURON_CALL)["lend"]
    core.scatter([cls], "__call__", [lend(_documented_neuron)])
    try:
        yield
    finally:
        core.scatter([cls], "__call__", [own])


#: Lent to the Neuron class while its own parameters() changes self.w (the neuron cell's mistake): the list the
#: docstring states, "the nin weights and the bias", with the bias taken back out of self.w where an earlier call
#: put it.  Layer, MLP and train_step are then judged on what they do themselves.
_NEURON_PARAMETERS = '''
def parameters(self):
    self.w[:] = [p for p in self.w if p is not self.b]
    return self.w + [self.b]
'''


@contextlib.contextmanager
def _neuron_parameters_kept(MLP):
    """While the check runs, Neuron.parameters() is the documented list when the student's own one changes self.w
    (appends the bias to it: the list then grows at every call) or, on two fresh neurons in turn, is not exactly that
    neuron's weights and bias (a list kept from an earlier call: the neuron cell names it), restored afterwards."""
    try:
        neuron = MLP(2, [1], rng=np.random.default_rng(0)).layers[0].neurons[0]
        before = len(list(neuron.w))
        list(neuron.parameters())
        grows = len(list(neuron.w)) != before
        if not grows:
            for n in (neuron, MLP(3, [1], rng=np.random.default_rng(1)).layers[0].neurons[0]):
                if [id(p) for p in list(n.parameters())] != [id(p) for p in list(n.w)] + [id(n.b)]:
                    grows = True
                    break
        cls = core.gather([neuron], "__class__")[0] if grows else None
        own = core.gather([cls], "parameters")[0] if grows else None
    except Exception:   # a probe that fails says nothing: the check itself names what fails
        grows = False
    if not grows:
        yield
        return
    lent = core.kernel_functions(_NEURON_PARAMETERS)["parameters"]
    core.scatter([cls], "parameters", [lent])
    try:
        yield
    finally:
        core.scatter([cls], "parameters", [own])


def _explain_outputs_per_input(Layer) -> None:
    """Layer(3, 2)(x) failed: a Layer with more neurons than inputs, Layer(2, 4), and one with more inputs, Layer(4, 3),
    tell a Layer that gives one output per INPUT (len(x)) from one per neuron; told only when each has its nout neurons
    and the first gives nin outputs."""
    lengths = {}
    for nin, nout in ((2, 4), (4, 3)):
        try:
            layer = core.call(Layer, nin, nout, act="tanh", rng=np.random.default_rng(2), name=f"Layer({nin}, {nout})")
            if len(list(layer.neurons)) != nout:
                return      # the Layer itself has another number of neurons: the structure's message says so
            out = layer([0.5 - 0.25 * i for i in range(nin)])
            lengths[(nin, nout)] = len(out) if isinstance(out, (list, tuple)) else None
        except Exception:   # a raise (an index past the neurons) is one of the two readings
            lengths[(nin, nout)] = "raised"
    if lengths[(2, 4)] != 2 or lengths[(4, 3)] not in (4, "raised"):
        return
    then = "raises" if lengths[(4, 3)] == "raised" else "returns 4 outputs"
    fail(f"your Layer gives one output per INPUT, not one per neuron: Layer(2, 4)(x) returns 2 outputs for its 4 "
         f"neurons, and Layer(4, 3)(x) {then} (an index i up to len(x) into self.neurons, range(len(x))): a Layer "
         f"returns nout Values, one per neuron, each given the whole x: [neuron(x) for neuron in self.neurons]",
         "layer-outputs-per-input")


def _mlp(MLP, Layer, Value) -> None:
    r = core.rng("lab05:mlp")
    # Layer on its own: a list of nout Values
    layer = core.call(Layer, 3, 2, act="tanh", rng=np.random.default_rng(1), name="Layer(3, 2)")
    xv = r.normal(size=3)
    try:
        x_layer = [float(v) for v in xv]
        out = _run(lambda: layer(x_layer), "Layer(3, 2)(x)")
        _inputs_kept(x_layer, [float(v) for v in xv], "Layer(3, 2)(x)", Value)
        if not isinstance(out, list) or len(out) != 2:
            got_type = type(out).__name__ if isinstance(out, (list, tuple)) else core.describe(out)
            fail(f"Layer(3, 2)(x) must return a list of 2 Values (one per neuron), as its docstring says "
                 f"(x -> list of nout Values), got {got_type}"
                 + (f" of {len(out)}" if isinstance(out, (list, tuple)) else "")
                 + (": build a list, [neuron(x) for neuron in self.neurons]" if isinstance(out, tuple) else ""),
                 "layer-output")
    except core.CheckFailure as exc:
        if not _unimplemented(exc):
            _explain_outputs_per_input(Layer)
        if _unimplemented(exc) or not _fails(lambda: layer.neurons[0]([float(v) for v in xv])):
            raise      # else their neuron fails on this input too: judged in the neuron's cell
    else:
        _layer_outputs_per_neuron(layer, out, [float(v) for v in xv], Value)
        _wide_layer_order(Layer, [float(v) for v in xv], Value)
        _layer_feeds_whole_input(layer, out, [float(v) for v in xv], Value, Layer)
        _layer_called_again(layer, out, [float(v) for v in xv], Value, MLP)
    single = core.call(Layer, 2, 1, act="tanh", rng=np.random.default_rng(1), name="Layer(2, 1)")
    try:
        one = _run(lambda: single([0.25, -0.5]), "Layer(2, 1)(x)")
    except core.CheckFailure:
        one = None     # judged above (Layer(3, 2)) or in the neuron's cell
    if one is not None and not isinstance(one, (list, tuple)) and core.is_instance(one, Value):
        fail("Layer(2, 1)(x) returned a single Value, not a list of 1 Value: a Layer returns a list of nout Values "
             "even when nout = 1 (the next layer iterates over it); only the MLP hands back its last layer's "
             "single output as a Value", "layer-unwraps-single")
    for nin, nouts, act in [(3, [4, 4, 1], "tanh"), (2, [3, 2], "relu"), (1, [1], "tanh"), (4, [5, 3], "tanh"),
                            (2, [1, 2], "tanh")]:
        name = f"MLP({nin}, {nouts}, act={act!r})"
        model = core.call(MLP, nin, nouts, act=act, rng=np.random.default_rng(2), name=name)
        Ws, bs, weights, biases = _mlp_structure(model, nin, nouts, Value)
        Wn, bn = _set_random(Ws, bs, r)
        X = r.normal(size=(1, nin))
        hs, _ = _np_forward(Wn, bn, X, act)
        x = [float(v) for v in X[0]]
        try:
            out = _run(lambda: model(x), f"{name}(x)")
        except core.CheckFailure as exc:
            if not _unimplemented(exc) and 1 in nouts[:-1] and not _fails(lambda: _own_mlp(model, x)):
                fail(f"{exc}. Its own neurons, applied layer after layer to the list of the previous layer's outputs, run without error: "
                     f"a hidden layer here has width 1, and the next layer was given a single Value instead of the "
                     f"list of 1 Value it iterates over (the `x[0] if len(x) == 1` unwrap inside the loop over the "
                     f"layers?); unwrap only the last layer's output, after the loop", "mlp-unwraps-hidden-layer")
            if not _unimplemented(exc) and " raised " in str(exc) and not _fails(lambda: _layers_chained(model, x)) \
                    and _same_error_on_one_number(model, x, exc):
                fail(f"{exc}. Your own layers, each given the whole list of the previous layer's outputs (the input x "
                     f"for the first), run without error: the MLP does not hand each layer the whole list (a map or a "
                     f"loop over the elements of x calls a layer on one number at a time): each layer must receive "
                     f"the whole list x, x = layer(x)", "mlp-layer-not-given-list")
            if _unimplemented(exc) or not _fails(lambda: _own_mlp(model, x)):
                raise
            # their own neurons fail on plain numbers too (judged in the neuron's or an operation's
            # cell): judge the MLP on inputs that are Values instead
            x = [_new(Value, v) for v in X[0]]
            try:
                out = _run(lambda: model(x), f"{name}(x) with x a list of Values")
            except core.CheckFailure as again:
                if _unimplemented(again) or not (_ops_raise(Value) or _raised_by_act(again, Value, act)
                                                 or _raised_by_neuron(again, model, x)):
                    raise
                # their + or * raises on two Values (judged in that operation's cell): the parameters only
                _mlp_parameters(model, name, nin, nouts, weights, biases, Value)
                continue
        else:
            _inputs_kept(x, [float(v) for v in X[0]], f"{name}(x)", Value)
        if isinstance(out, list) and (len(out) != nouts[-1] or nouts[-1] == 1):
            _explain_layers_applied(out, hs, f"{name}(x)")
            _explain_reversed(model, x, out, hs, f"{name}(x)")
        if nouts[-1] == 1:
            if isinstance(out, (list, tuple)) and len(out) == 1:
                _explain_unwrap_by_input(MLP, Value)
            got = np.array([_data(out, Value, f"{name}(x) (one output: a single Value)")])
        else:
            if not isinstance(out, list) or len(out) != nouts[-1]:
                fail(f"{name}(x) must return a list of {nouts[-1]} Values", "mlp-output")
            got = np.array([_data(o, Value, f"{name}(x)") for o in out])
        if not core.close(got, hs[-1][0], 1e-6, 1e-8):
            try:
                own = np.array(_own_mlp(model, x))
            except Exception:
                own = None
            if own is not None and core.close(got, own, 1e-6, 1e-8):
                _explain_layer_acts(model, Layer, Wn, bn, X, act, name)
            if own is None or not core.close(got, own, 1e-6, 1e-8):
                _explain_reversed(model, x, out, hs, f"{name}(x)")
                core.expect_close(got, hs[-1][0], name=f"{name}(x)", diagnose={
                    "the activation is applied twice: each Neuron already returns act(w . x + b), so Layer and "
                    "MLP must pass the neurons' outputs on unchanged":
                        lambda: _np_forward(Wn, bn, X, act_fn=lambda z: _act(act, _act(act, z)))[0][-1][0],
                    "tanh is applied again on top of the neurons' activation (in Layer or MLP): each Neuron already "
                    "returns act(w . x + b), so Layer and MLP must pass the neurons' outputs on unchanged":
                        lambda: _np_forward(Wn, bn, X, act_fn=lambda z: np.tanh(_act(act, z)))[0][-1][0],
                    "every layer was applied to the original input x, so only the last layer counts (on the first "
                    "inputs its neurons' zip pairs with x): each layer's output is the next layer's input, "
                    "x = layer(x) inside the loop": lambda: _last_layer_on_x(Wn, bn, X, act),
                })
        if nin == 3:     # one model: the graph reaches every layer's parameters
            _mlp_reaches_parameters(model, out, Ws, bs, f"{name}(x)", Value)
        if not isinstance(x[0], float) or not core.close(got, hs[-1][0], 1e-6, 1e-8):
            pass        # judged on Values (their neuron's mistake) or already judged wrong above
        else:
            X2 = core.rng(f"lab05:mlp-again-{nin}").normal(size=(1, nin))
            _mlp_called_again(MLP, model, name, x, [float(v) for v in X2[0]], got,
                              lambda: _np_forward(Wn, bn, X2, act)[0][-1][0], nouts[-1], Value)
            if nin == 3:
                _mlp_after_parameter_change(MLP, model, Ws, bs, X, act, name, nouts[-1], Value)
        _mlp_parameters(model, name, nin, nouts, weights, biases, Value)
    _mlp_value_inputs(MLP, Value)


def _mlp_value_inputs(MLP, Value) -> None:
    """The docstrings take x as a list of numbers OR Values: an MLP given Values runs, gives the same outputs as
    on the numbers, and its output's graph leads back to the input Values (a gradient reaches them).  Asked on two
    models of other sizes; not asked when the model's own neurons fail on Values (the neuron's or an operation's
    cell), nor when it is wrong on numbers (judged above)."""
    r = core.rng("lab05:mlp-value-inputs")
    for nin, nouts in ((3, [4, 1]), (2, [3, 2])):
        name = f"MLP({nin}, {nouts}, act='tanh')"
        model = core.call(MLP, nin, nouts, act="tanh", rng=np.random.default_rng(5), name=name)
        Ws, bs, _, _ = _mlp_structure(model, nin, nouts, Value, strict=False)
        Wn, bn = _set_random(Ws, bs, r)
        X = r.normal(size=(1, nin))
        want = _np_forward(Wn, bn, X, "tanh")[0][-1][0]
        xv = [_new(Value, v) for v in X[0]]
        try:
            own = _own_mlp(model, list(xv))
            if not core.close(np.array(own), want, 1e-6, 1e-8):
                return       # its neurons are wrong on Values: their own cell
        except Exception:
            return
        call = f"{name}(x) with x a list of {nin} Values"
        try:
            out = _run(lambda: model(xv), call)
        except core.CheckFailure as exc:
            raw = getattr(exc, "raised", "") or getattr(exc.__context__, "raised", "")
            head = f"{call} {raw}{getattr(exc, 'where', '') or getattr(exc.__context__, 'where', '')}" if raw else str(exc)
            fail(f"{head}. The docstring takes x as a list of nin numbers OR Values, and the "
                 f"model's own neurons "
                 f"accept Values: the MLP (or a Layer) converts its inputs (float(v), v.data) or checks their type; "
                 f"pass x on as it is, x = layer(x)", "mlp-value-inputs-rejected")
        outs = out if isinstance(out, list) else [out]
        try:
            got = np.array([_data(o, Value, call) for o in outs])
        except core.CheckFailure:
            return            # the output's form is judged on numbers above
        if got.shape != want.shape or not core.close(got, want, 1e-6, 1e-8):
            return
        cut = [i for i, v in enumerate(xv) if not _reaches_any(outs, v)]
        if cut:
            fail(f"{call}: the outputs are right but do not depend on the input Value(s) x[{', '.join(map(str, cut))}] "
                 f"through the graph (_prev), so no gradient can reach them: the inputs were turned into numbers "
                 f"(float(v), v.data) before the first layer. The docstring takes x as numbers OR Values: pass it on "
                 f"as it is", "mlp-value-inputs-detached")


def _reaches_any(outs, v) -> bool:
    seen: set[int] = set()
    for o in outs:
        seen |= {id(node) for node in _graph(o, numbers_ok=True)[0]}
    return id(v) in seen


def _outputs_of(out, nout: int, Value, name: str) -> np.ndarray | str:
    """The numbers a Layer or an MLP returned, or a description of what it returned instead (a list of another
    length, not a Value): an MLP with one output returns a single Value, a Layer a list."""
    if nout == 1 and not isinstance(out, (list, tuple)):
        return np.array([_data(out, Value, name)])
    if not isinstance(out, (list, tuple)):
        return core.describe(out)
    if len(out) != nout:
        return f"a list of {len(out)} outputs"
    return np.array([_data(o, Value, name) for o in out])


def _expect_same_on_second_call(call: Callable, name: str, x2: list, x1: list, want2: Callable, got1: np.ndarray,
                                nout: int, Value, single: bool = True) -> None:
    """A Layer or MLP is a function of its input (docstring: x -> its nout outputs): called a second time, on another
    x, it returns what a fresh call on that x gives, and on the first x again what its first call gave.  A module that
    keeps state between calls (a list on self extended at every call, a cached input length or result) was right on
    its first call only: told with both calls, what each returned and what it should."""
    def outputs(x, label):
        return _outputs_of(_run(lambda: call(list(x)), label), nout, Value, label)
    shape = "a single Value" if single and nout == 1 else f"a list of {nout} Values"
    second = outputs(x2, f"{name}(x) called a second time")
    third = outputs(x1, f"{name}(x) called a third time, on the first x again")
    want = np.asarray(want2() if callable(want2) else want2, dtype=float)
    for label, got, expected in (("a second time, on another x", second, want),
                                 ("a third time, on the first x again", third, got1)):
        if isinstance(got, str) or not core.close(got, expected, 1e-6, 1e-8):
            what = got if isinstance(got, str) else "[" + ", ".join(f"{v:.6g}" for v in got) + "]"
            fail(f"{name}: its first call was right, but called {label} it returned {what}, expected "
                 f"{shape}, [" + ", ".join(f"{v:.6g}" for v in expected) + "]: something is kept on the module "
                 "between calls (a list on self that grows at every call, such as self.outs.extend(...), an input "
                 "length or a result stored on self and reused): each call must compute its nout outputs from its "
                 "own x only, with a list built afresh inside __call__ ([neuron(x) for neuron in self.neurons]) and "
                 "no state on self", "module-state-between-calls")


def _neuron_keeps_state(neurons: list, x: list) -> bool:
    """Does the student's neuron give another value when called twice on the same x (it changes its own bias or
    weights), or the same stale value after its weights changed (a result kept between calls)?  Both are the neuron
    cell's mistakes: the Layer and MLP are then asked about their own state with the documented neuron lent."""
    try:
        n = neurons[0]
        if not core.close(float(n(list(x)).data), float(n(list(x)).data), 1e-12, 1e-15):
            return True
    except Exception:   # a probe that fails says nothing
        return False
    return _stale_after_change(n, x) is not None


def _neuron_stale(MLP) -> str | None:
    """Does the student's neuron return a kept result after its weights changed (the neuron cell names it)?"""
    try:
        neuron = MLP(2, [1], rng=np.random.default_rng(0)).layers[0].neurons[0]
    except Exception:   # a probe that fails says nothing
        return None
    x = [0.5, -0.25]
    if _stale_after_change(neuron, x) is None:
        return None
    return "keeps a result between calls (its output is not recomputed after its weights change)"


def _layer_mlp_fresh_results(MLP, Layer) -> None:
    """The stale-result question asked of Layer and MLP (the neuron's own is its cell's: the documented neuron is
    lent when the student's keeps state)."""
    with _documented_neuron_call(MLP) if _neuron_stale(MLP) else contextlib.nullcontext():
        _expect_fresh_result(lambda nin: Layer(nin, 2, act="tanh", rng=np.random.default_rng(5)),
                             lambda nin: f"Layer({nin}, 2, act='tanh')", [3, 2], "Layer")
        _expect_fresh_result(lambda nin: MLP(nin, [3, 1], act="tanh", rng=np.random.default_rng(5)),
                             lambda nin: f"MLP({nin}, [3, 1], act='tanh')", [3, 2], "MLP")


#: The check's driver, run in the kernel: the parameters set to one list of numbers, the module called on a list x,
#: set to another, called again on the SAME list object (a cache keyed on id(x) sees it as the same input); the
#: outputs' numbers returned, the parameters restored.
_STALE_DRIVER = '''
def twice_with_change(module, x, first_values, second_values):
    params = list(module.parameters())
    old = [p.data for p in params]
    x = list(x)

    def numbers(r):
        return [float(o.data) for o in (r if isinstance(r, list) else [r])]
    try:
        for p, v in zip(params, first_values):
            p.data = v
        a = numbers(module(x))
        for p, v in zip(params, second_values):
            p.data = v
        b = numbers(module(x))
    finally:
        for p, v in zip(params, old):
            p.data = v
    return a, b
'''


def _stale_after_change(module, x: list, kind: str = "neuron") -> tuple[float, float, float] | None:
    """Property: a module is a function of its parameters' CURRENT values.  Its parameters get one set of values, the
    module is called on x, then they get another set in place (as train_step's update does) and it is called again
    on the same list object (as a cache keyed on id(x) would see it); the parameters are restored afterwards.
    Returns (first, second, expected) of the first output when the second call returned the first call's result
    instead of the new one (a result kept between calls), else None."""
    try:
        params = list(module.parameters())
        old = [float(p.data) for p in params]
        q = core.rng("lab05:stale")
        first_values = [float(v) for v in q.uniform(0.2, 0.9, size=len(params))]
        second_values = [float(v) for v in q.uniform(-0.9, -0.2, size=len(params))]
        twice = core.kernel_functions(_STALE_DRIVER)["twice_with_change"]
        first, second = twice(module, [float(v) for v in x], first_values, second_values)
        first, second = [float(v) for v in first], [float(v) for v in second]
        try:
            core.scatter(params, "data", second_values)
            third = [float(o.data) for o in (lambda r: r if isinstance(r, list) else [r])(
                _documented_module(module, [float(v) for v in x], kind))]
        finally:
            core.scatter(params, "data", old)
    except Exception:   # a probe that fails says nothing
        return None
    if (len(first) != len(second) or len(second) != len(third)
            or core.close(np.array(second), np.array(third), 1e-6, 1e-9)
            or not core.close(np.array(second), np.array(first), 1e-12, 1e-15)
            or core.close(np.array(first), np.array(third), 1e-6, 1e-9)):
        return None
    return first[0], second[0], third[0]


def _documented_module(module, x, kind: str):
    """The docstrings' output of a Neuron, Layer or MLP (``kind``) on x, from its parameters' current values."""
    if kind == "mlp":
        return _documented_mlp(module, x)
    if kind == "layer":
        return [_documented_neuron(n, x) for n in list(module.neurons)]
    return _documented_neuron(module, x)


def _expect_fresh_result(make: Callable, label: str, sizes: list[int], what: str) -> None:
    """The stale-result question of a module kind (Neuron, Layer, MLP), asked of two fresh modules of other input
    sizes; told when both keep their result."""
    seen = []
    for nin in sizes:
        try:
            module = make(nin)
        except Exception:   # a probe that fails says nothing
            return
        x = [float(v) for v in core.rng(f"lab05:stale-x{nin}").uniform(0.3, 1.2, size=nin)]
        got = _stale_after_change(module, x, what.lower())
        if got is None:
            return
        seen.append((nin, got))
    (nin, (_, second, want)), (nin2, _) = seen[0], seen[1]
    fail(f"{label(nin)}(x) called twice on the same list x, with its parameters' .data changed in place in between "
         f"(as train_step's update p.data -= lr * p.grad does): the second call returned {second:.6g}, the first "
         f"call's result, where the new parameters give {want:.6g} (and likewise with {nin2} inputs): the {what} "
         f"keeps a result between calls (a cache keyed on x or id(x), a stored output, the weights' numbers copied "
         f"once): compute the output afresh from w.data, b.data at every call, with no result kept on self",
         f"{what.lower()}-result-kept")


def _layer_outputs_per_neuron(layer, out: list, x: list, Value, name: str = "Layer(3, 2)(x)") -> None:
    """Property (docstring: x -> list of nout Values, one per neuron): output i of Layer(3, 2)(x) is what
    self.neurons[i] gives on x.  Outputs that are the neurons' own values in another order are named (reversed,
    sorted, ...); other values are the cases' to judge (the neurons' own values are the neuron cell's)."""
    try:
        neurons = list(layer.neurons)
        if _neuron_keeps_state(neurons, x):
            return      # the neuron cell's mistake
        want = [float(n(list(x)).data) for n in neurons]
        got = [float(_data(o, Value, name)) for o in out]
    except Exception:   # a probe that fails says nothing: the cases judge the values
        return
    if len(got) != len(want) or core.close(np.array(got), np.array(want), 1e-9, 1e-12):
        return
    order = []
    for g in got:
        hits = [i for i, w in enumerate(want) if core.close(g, w, 1e-9, 1e-12) and i not in order]
        if not hits:
            return
        order.append(hits[0])
    fail(f"{name} returns its neurons' outputs in another order: output i must be self.neurons[i](x), but "
         f"your outputs are those of neurons {order} (values [" + ", ".join(f"{v:.6g}" for v in got) + "], the "
         "neurons in order give [" + ", ".join(f"{v:.6g}" for v in want) + "]): keep the order of self.neurons, "
         "[neuron(x) for neuron in self.neurons] (no reversed(...), [::-1] or sorting)", "layer-outputs-order")


def _wide_layer_order(Layer, x: list, Value) -> None:
    """The order question asked of a wider Layer(3, 7) too: an order that two neurons keep by chance (a set of the
    neurons, iterated in hash order) shows with seven."""
    try:
        wide = core.call(Layer, 3, 7, act="tanh", rng=np.random.default_rng(4), name="Layer(3, 7)")
        out = wide(list(x))
        if not isinstance(out, list) or len(out) != 7:
            return
    except Exception:   # a probe that fails says nothing: the cases judge the Layer
        return
    _layer_outputs_per_neuron(wide, out, x, Value, name="Layer(3, 7)(x)")


def _layer_called_again(layer, out: list, x: list, Value, MLP) -> None:
    """Layer(3, 2) called again on another x: what its own neurons give on that x (their values are the neuron cell's),
    then on the first x again what the first call gave.  A neuron that changes itself at every call (the neuron cell's
    mistake) is replaced by the documented one for this question, so that only the Layer's own state shows."""
    try:
        neurons = list(layer.neurons)
        stateful = _neuron_keeps_state(neurons, x)
    except Exception:   # a probe that fails says nothing: the cases judge the values
        return
    with _documented_neuron_call(MLP) if stateful else contextlib.nullcontext():
        try:
            first = layer(list(x)) if stateful else out
            got1 = np.array([float(_data(o, Value, "Layer(3, 2)(x)")) for o in first])
            x2 = [float(v) for v in core.rng("lab05:layer-again").normal(size=len(x))]
            want2 = np.array([float(n(list(x2)).data) for n in neurons])
            if len(want2) != 2 or len(got1) != 2 or not all(core.close(float(n(list(x)).data), g, 1e-9, 1e-12)
                                                             for n, g in zip(neurons, got1)):
                return      # the first call was judged wrong by its own question
        except Exception:   # a probe that fails says nothing: the cases judge the values
            return
        _expect_same_on_second_call(layer, "Layer(3, 2)", x2, x, want2, got1, 2, Value, single=False)


def _mlp_after_parameter_change(MLP, model, Ws, bs, X, act, name: str, nout: int, Value) -> None:
    """Property: the model is a function of its parameters' CURRENT values.  The same parameter Values get new .data
    in place (as train_step's update does), and model(x) on the same x must give the network of the new values.  A
    result equal to the old one was kept from an earlier call (a cache keyed on x, the weights' numbers copied once);
    another wrong result is said in plainer words."""
    x = [float(v) for v in X[0]]
    try:
        if _neuron_keeps_state(list(model.layers[0].neurons), x):
            return      # a neuron that changes itself at every call: the neuron cell's mistake
    except Exception:   # a probe that fails says nothing
        return

    def outcome(tag: str):
        try:
            before = _outputs_of(model(list(x)), nout, Value, f"{name}(x)")
            Wn2, bn2 = _set_random(Ws, bs, core.rng(f"lab05:mlp-change{tag}"))
            after = _outputs_of(model(list(x)), nout, Value, f"{name}(x)")
        except Exception:   # a probe that fails says nothing
            return None
        if isinstance(before, str) or isinstance(after, str):
            return None
        want = np.asarray(_np_forward(Wn2, bn2, X, act)[0][-1][0], dtype=float)
        return None if core.close(after, want, 1e-6, 1e-8) else core.close(after, before, 1e-9, 1e-12)

    old = outcome("")
    if old is None:
        return
    try:    # the documented Neuron.__call__ lent: a neuron that keeps its weights' old numbers is the neuron's cell's
        with _documented_neuron_call(MLP):
            if outcome("-lent") is None:
                return
    except Exception:
        pass
    fail(f"{name}(x): after every parameter's .data was changed in place (as train_step's update p.data -= lr * "
         f"p.grad does), model(x) on the same x returned "
         + ("the SAME outputs as before the change: a result computed from the values of an earlier call"
            if old else "outputs that are not those of the new parameters")
         + ": state kept between calls (a result cached on the input, the weights' numbers copied once into a list "
         "or array on the module): each call must read w.data, b.data of the parameter Values themselves",
         "module-stale-after-update")


def _mlp_called_again(MLP, model, name: str, x: list, x2: list, got, want2: Callable, nout: int, Value) -> None:
    """The MLP called again on another x, then on the first again; with the documented neuron lent when the student's
    neuron changes itself at every call (the neuron cell's mistake), the expected values then being the model's own
    neurons layer by layer."""
    try:
        stateful = _neuron_keeps_state(list(model.layers[0].neurons), x)
    except Exception:   # a probe that fails says nothing
        return
    if not stateful:
        _expect_same_on_second_call(lambda v: model(v), name, x2, x, want2, got, nout, Value)
        return
    with _documented_neuron_call(MLP):
        try:
            got1, want = np.array(_own_mlp(model, x)), np.array(_own_mlp(model, x2))
            first = _outputs_of(model(list(x)), nout, Value, name)
            if isinstance(first, str) or not core.close(first, got1, 1e-9, 1e-12):
                return      # judged by the cases
        except Exception:   # a probe that fails says nothing
            return
        _expect_same_on_second_call(lambda v: model(v), name, x2, x, want, got1, nout, Value)


def _explain_unwrap_by_input(MLP, Value) -> None:
    """An MLP with one output returned a list of 1: when MLP(1, [3, 2]) (one input, two outputs) returns a single Value
    and MLP(3, [2, 1]) (three inputs, one output) a list of 1, the unwrap is decided by the INPUT's length."""
    kinds = []
    for nin, nouts in ((1, [3, 2]), (3, [2, 1])):
        try:
            model = MLP(nin, nouts, act="tanh", rng=np.random.default_rng(3))
            out = model([0.5 - 0.25 * i for i in range(nin)])
        except Exception:   # a probe that fails says nothing
            return
        kinds.append(len(out) if isinstance(out, (list, tuple)) else "value" if core.is_instance(out, Value) else None)
    if kinds == ["value", 1]:
        fail("your MLP unwraps by the length of its INPUT, not of its output: MLP(1, [3, 2])(x), one input and 2 "
             "outputs, returned a single Value, and MLP(3, [2, 1])(x), 3 inputs and one output, a list of 1 (a test "
             "of len(x) made before the loop over the layers, or on the input kept in another name): after the loop, "
             "return x[0] if len(x) == 1 else x, with x the LAST layer's output", "mlp-unwraps-by-input")


def _layer_feeds_whole_input(layer, out: list, x: list, Value, Layer) -> None:
    """Layer(3, 2)(x)[i] must be what the student's own neuron i gives on the whole x (a wrong neuron is the
    neuron cell's); when it is not, which input that neuron was given is found by experiment."""
    try:
        neurons = list(layer.neurons)
        got = [float(_data(o, Value, "Layer(3, 2)(x)")) for o in out]
        own = [float(n(list(x)).data) for n in neurons]
    except Exception:   # a probe that fails says nothing (the MLP cases below judge the values)
        return
    if len(own) != len(got) or all(core.close(g, o, 1e-9, 1e-12) for g, o in zip(got, own)):
        return
    head = (f"Layer(3, 2)(x) gives {', '.join(f'{g:.6g}' for g in got)} where its own neurons, each given the whole "
            f"input x, give {', '.join(f'{o:.6g}' for o in own)}")
    try:
        alone = [float(n([x[i]]).data) for i, n in enumerate(neurons)]
    except Exception:   # a probe that fails says nothing
        alone = []
    if alone and all(core.close(g, a, 1e-9, 1e-12) for g, a in zip(got, alone)):
        fail(f"{head}: neuron i was given only the input x[i] (a zip over the neurons and the inputs pairs them one "
             f"to one); every neuron reads the whole input: [neuron(x) for neuron in self.neurons]",
             "layer-neuron-gets-one-input")
    _explain_later_neurons(Layer, got, own, Value)
    # other differences (an activation applied again, layers mixed up) are named by the MLP cases


def _first_right_later_wrong(layer, x: list, Value) -> tuple[list, list] | None:
    """(outputs, own) of ``layer(x)`` when its first output is its own neuron 0 on x and a later one is not its own
    neuron on the same x; None otherwise (or when anything raises, or the neurons are not deterministic)."""
    try:
        neurons = list(layer.neurons)
        got = [float(_data(o, Value, "Layer(x)")) for o in layer(list(x))]
        own = [float(n(list(x)).data) for n in neurons]
        if own != [float(n(list(x)).data) for n in neurons]:
            return None
    except Exception:
        return None
    if len(got) != len(own) or len(got) < 2 or not core.close(got[0], own[0], 1e-9, 1e-12) or \
            all(core.close(g, o, 1e-9, 1e-12) for g, o in zip(got, own)):
        return None
    return got, own


def _explain_later_neurons(Layer, got: list, own: list, Value) -> None:
    """Layer(x)[0] is neuron 0 on x and a later output is not neuron j on x: the input changed between the neurons
    (x rebound or modified inside the loop).  Confirmed on a second Layer of other, pairwise-different sizes."""
    if not core.close(got[0], own[0], 1e-9, 1e-12) or len(got) < 2:
        return
    j = next((j for j, (g, o) in enumerate(zip(got, own)) if not core.close(g, o, 1e-9, 1e-12)), None)
    if j is None:
        return
    try:
        other = core.call(Layer, 4, 3, act="tanh", rng=np.random.default_rng(5), name="Layer(4, 3)")
    except core.CheckFailure:
        return
    if _first_right_later_wrong(other, [0.7, -0.4, 0.25, -1.1], Value) is None:
        return
    fail(f"Layer(3, 2)(x)[{j}] is {got[j]:.6g}, but its own neuron {j} given the same x gives {own[j]:.6g}, while "
         f"output 0 is neuron 0's (and likewise for Layer(4, 3)): the first neuron got the input x, the later ones "
         f"another input. Every neuron reads the same, unchanged x: is x rebound or modified inside the loop over the "
         f"neurons? return [neuron(x) for neuron in self.neurons]", "layer-input-changed-between-neurons")


def _applied_act(neurons: list, h: np.ndarray, z: np.ndarray) -> str | None:
    """Which activation (of "linear", "tanh", "relu") the neurons apply to their z = h W + b, or None."""
    try:
        got = np.array([float(n([float(v) for v in h]).data) for n in neurons])
    except Exception:   # a probe that fails says nothing
        return None
    return next((a for a in ("linear", "tanh", "relu") if core.close(got, _act(a, z), 1e-6, 1e-8)), None)


def _explain_layer_acts(model, Layer, Wn, bn, X, act: str, name: str) -> None:
    """The MLP's output is what its own neurons give, but some layers' neurons apply another activation than act
    (every layer uses act, the docstring says): act not passed on by Layer or MLP, or a last layer left linear."""
    hs, zs = _np_forward(Wn, bn, X, act)
    try:
        layers = [list(layer.neurons) for layer in model.layers]
    except Exception:   # a probe that fails says nothing
        return
    applied = [_applied_act(ns, hs[L][0], zs[L][0]) for L, ns in enumerate(layers)]
    if any(a is None for a in applied):
        return
    wrong = [L for L, a in enumerate(applied)
             if a != act and not core.close(_act(a, zs[L][0]), _act(act, zs[L][0]), 1e-12, 1e-12)]
    if not wrong:
        return
    try:    # built with act (self.act, set by the provided __init__) but applying another: the neuron cell's mistake
        if any(a == act for L in wrong for a in core.gather(layers[L], "act")):
            return
    except Exception:   # no self.act to tell the two apart: nothing said
        return
    n = len(layers)
    if wrong == [n - 1] and applied[-1] == "linear" and n > 1:
        fail(f"{name}: the last layer is linear (its neurons apply no activation), the others apply {act!r}: this "
             f"MLP uses act in every layer, the last one too (its docstring: 'all with activation act'); micrograd's "
             f"MLP leaves the last layer linear, this one does not: build every Layer with act", "mlp-last-linear")
    what = ", ".join(f"layer {L + 1} applies {applied[L]!r}" for L in wrong) if len(wrong) < n or len(set(
        applied)) > 1 else f"every layer applies {applied[0]!r}"
    layer_ok = True
    try:
        probe = core.call(Layer, 2, 3, act=act, rng=np.random.default_rng(1), name=f"Layer(2, 3, act={act!r})")
        layer_ok = all(a == act for a in core.gather(list(probe.neurons), "act"))
    except Exception:   # a probe that fails says nothing
        pass
    where = (f"Layer.__init__ does not pass act on to its neurons: Layer(2, 3, act={act!r}) builds neurons that "
             f"apply another activation; create each one with Neuron(nin, act, rng)") if not layer_ok else \
        "MLP.__init__ does not pass act on to its Layers: build each one with Layer(nin, nout, act, rng)"
    fail(f"{name}: {what}, not act={act!r} (the docstring: all with activation act): {where}", "act-not-passed-on")


def _mlp_reaches_parameters(model, out, Ws, bs, name: str, Value) -> None:
    """The output's graph leads back to every weight and bias (right values computed from numbers give no gradient:
    a layer's output passed on as .data cuts the graph, and backward() never reaches the layers before).  Not said
    when one of the model's own neurons already cuts it (the neuron cell's mistake)."""
    try:
        neuron = model.layers[-1].neurons[0]
        xs = [_new(Value, 0.5 + 0.25 * i) for i in range(len(list(neuron.w)))]
        if _reaches(neuron(xs), list(neuron.w) + [neuron.b] + xs):
            return
    except Exception:   # a probe that fails says nothing
        return
    outs = out if isinstance(out, list) else [out]
    seen: set[int] = set()
    for o in outs:
        seen |= {id(node) for node in _graph(o, numbers_ok=True)[0]}
    cut = [k + 1 for k, (Wl, bl) in enumerate(zip(Ws, bs))
           if any(id(v) not in seen for v in [v for row in Wl for v in row] + list(bl))]
    if not cut:
        return
    fail(f"{name}: the value is right, but the output does not depend on the parameters of layer(s) {cut} of "
         f"{len(Ws)} through the graph (_prev), so backward() can never give them a gradient: a layer's outputs were "
         f"passed on as numbers (.data or float()), which cuts the graph; pass the Values themselves from layer to "
         f"layer, x = layer(x)", "mlp-detached")


#: The check's driver, run in the kernel: the names a class defines itself (not those it inherits).
_OWN_METHODS = '''
def own_methods(cls):
    return sorted(n for n in vars(cls) if not n.startswith("__"))
'''


def _explain_inherited(module, method: str, label: str) -> None:
    """``module.<method>()`` gave nothing: when its class does not define the method itself, it runs Module's (which
    returns [] for parameters): the method is missing or misnamed in the class, say so with the names it does define."""
    try:
        cls = core.gather([module], "__class__")[0]
        own = list(core.kernel_functions(_OWN_METHODS)["own_methods"](cls))
    except Exception:   # a probe that fails says nothing
        return
    if method in own:
        return
    near = [n for n in own if n != method and (n.rstrip("s") in method or method.rstrip("s") in n or
                                               n.lower().startswith(method[:5].lower()))]
    fail(f"{label}.{method}() returned an empty list: {label} does not define {method}() itself, so it runs the one "
         f"it inherits from Module, which returns []"
         + (f"; your {label} defines {', '.join(f'{n}()' for n in near)}: the method must be named exactly {method}, "
            f"the name the optimiser and zero_grad call" if near else
            f" ({label} defines {own or 'no method of its own'}): define {method}(self) in {label}")
         + (f", e.g. [p for layer in self.layers for p in layer.{method}()]" if label == "MLP" else
            f", e.g. [p for n in self.neurons for p in n.{method}()]" if label == "Layer" else ""),
         f"{method}-not-defined")


def _explain_layer_parameters(model) -> None:
    """MLP.parameters() is wrong: is a Layer.parameters() already wrong? Then the Layer's method is named, with the
    neurons whose weights or bias it leaves out (judged against each neuron's own parameters())."""
    try:
        layers = list(model.layers)
    except Exception:   # a probe that fails says nothing
        return
    for L, layer in enumerate(layers):
        try:
            got = [id(p) for p in list(layer.parameters())]
            neurons = list(layer.neurons)
            weights = [[id(v) for v in list(n.w)] for n in neurons]
            biases = [id(b) for b in core.gather(neurons, "b")]
            own = [id(p) for n in neurons for p in list(n.parameters())]
        except Exception:   # a probe that fails says nothing (a raising Layer.parameters is named elsewhere)
            return
        if sorted(got) == sorted(own):
            continue        # what its neurons list (a wrong Neuron.parameters is the neuron cell's)
        where = f"Layer.parameters() (layer {L + 1} of {len(layers)}, {len(neurons)} neurons)"
        fix = ("a Layer's parameters are those of every one of its neurons, [p for n in self.neurons for p in "
               "n.parameters()]; MLP.parameters() then collects each layer's")
        if got and not set(got) & (set(own) | set(biases) | {v for w in weights for v in w}):
            fail(f"{where} returns {len(got)} Values and none of them is a weight or bias of this layer's neurons: "
                 f"{_OTHER_OBJECTS_PARAMETERS}; {fix}", "layer-parameters-of-another-object")
        if len(set(got)) != len(got):
            fail(f"{where} lists a parameter more than once: {fix}", "layer-parameters-duplicated")
        have = set(got)
        no_bias = [k + 1 for k, b in enumerate(biases) if b not in have]
        no_weights = [k + 1 for k, w in enumerate(weights) if not have & set(w)]
        part = [k + 1 for k, w in enumerate(weights) if have & set(w) and not set(w) <= have]
        said = []
        whole = [k for k in no_weights if k in no_bias]
        if whole and len(whole) < len(neurons):
            listed = [k + 1 for k in range(len(neurons)) if k + 1 not in whole]
            said.append(f"every parameter of neuron(s) {whole}, weights and bias (only neuron(s) {listed} are "
                        f"listed)")
            no_weights = [k for k in no_weights if k not in whole]
            no_bias = [k for k in no_bias if k not in whole]
        if no_weights:
            said.append(f"the weights of neuron(s) {no_weights}" if len(no_weights) < len(neurons)
                        else "the weights of every neuron")
        if part:
            said.append(f"some weights of neuron(s) {part}")
        if no_bias:
            kept = [k + 1 for k in range(len(neurons)) if k + 1 not in no_bias]
            after_loop = kept == [len(neurons)] and not no_weights and not part and not whole
            said.append("the bias of every neuron" if not kept else
                        f"the bias of neuron(s) {no_bias}" + (
                            " (only the last neuron keeps its bias: is the bias appended after the loop over the "
                            "neurons, outside it?)" if after_loop else ""))
        if not got:
            _explain_inherited(layer, "parameters", "Layer")
        if said:
            fail(f"{where} leaves out {' and '.join(said)}: {fix}", "layer-parameters-missing")
        fail(f"{where} lists Values that are not its neurons' weights and biases: {fix}", "layer-parameters-foreign")


def _explain_layers_missing(model, ps: list, total: int) -> None:
    """MLP.parameters() misses exactly the parameters of whole layers: say which layers (a slice of self.layers)."""
    try:
        layers = [{id(v) for n in layer.neurons for v in list(n.w) + [n.b]} for layer in model.layers]
    except Exception:   # a probe that fails says nothing
        return
    got = {id(p) for p in ps}
    if got and not any(ids & got for ids in layers):
        fail(f"MLP.parameters() returns {len(got)} Values and none of them is a weight or bias of this MLP's layers: "
             f"{_OTHER_OBJECTS_PARAMETERS}", "mlp-parameters-of-another-object")
    gone = [i for i, ids in enumerate(layers) if not ids & got]
    kept = [i for i, ids in enumerate(layers) if ids <= got]
    if gone and len(gone) + len(kept) == len(layers):
        n_gone = sum(len(layers[i]) for i in gone)
        fail(f"MLP.parameters() is missing {n_gone} of its {total} parameters: all those of layer(s) "
             f"{[i + 1 for i in gone]} of {len(layers)} (counting from 1), and none of the others: every layer of "
             f"self.layers must contribute its parameters (a slice such as self.layers[1:] or [:-1]?)",
             "parameters-layers-missing")


def _copies(raw: list, own: list) -> bool:
    """Do ``raw`` and ``own`` hold the same numbers, in order, in Values that are new at each call?"""
    try:
        return len(raw) == len(own) and all(id(a) != id(b) for a, b in zip(raw, own)) and \
            all(float(a.data) == float(b.data) for a, b in zip(raw, own))
    except Exception:
        return False


def _mlp_parameters(model, name, nin, nouts, weights, biases, Value) -> None:
    """MLP.parameters(): every weight and bias once, judged against what the student's own Neuron.parameters() lists."""
    try:
        returned = core.call(model.parameters, name=f"{name}.parameters()")
        raw = list(returned)
        own_ps = _own_params(model)
    except (core.CheckFailure, Exception):
        raw = own_ps = None
    if raw is not None and not _same_structure(own_ps, weights + biases, ordered=False):
        if _same_structure(raw, own_ps) and len({id(p) for p in raw}) == len(raw):
            return     # the layers' parameters as their own neurons list them: Neuron.parameters is judged there
        if _copies(raw, own_ps):
            return     # their Neuron.parameters() makes new Values at each call (judged there): the same numbers
    if raw is None and _fails(lambda: _own_params(model)):
        return     # their Neuron.parameters() itself fails: judged in the neuron's cell
    ps = _param_list(model, name, Value)
    count = sum((a + 1) * b for a, b in zip([nin] + nouts[:-1], nouts))
    if {id(p) for p in ps} == {id(p) for p in weights + biases} and len(ps) == count:
        if raw is not None and not isinstance(returned, list):
            kind = core.describe(returned).rsplit(".", 1)[-1]
            fail(f"{name}.parameters() returned a {kind}, not a list (its docstring: 'as one list'): "
                 + ("a generator runs out after one pass and has no len(): " if "generator" in kind else "")
                 + "build the list with square brackets, [p for layer in self.layers for p in layer.parameters()]",
                 "parameters-not-a-list")
        return
    if not ps:
        _explain_inherited(model, "parameters", "MLP")
    _explain_layer_parameters(model)
    _explain_layers_missing(model, ps, len(weights + biases))
    _expect_same_params(ps, weights + biases, "MLP", biases)
    if len(ps) != count:
        fail(f"{name}.parameters() must have {count} entries, got {len(ps)}", "mlp-param-count")


def _last_layer_on_x(Wn, bn, X, act) -> np.ndarray:
    """The last layer applied to the network's input (zip(w, x) stops at the shorter of the two)."""
    m = min(X.shape[1], Wn[-1].shape[0])
    return _act(act, X[0, :m] @ Wn[-1][:m] + bn[-1][0])


def _explain_layers_applied(out: list, hs: list, name: str) -> None:
    """The result is the output of an earlier layer (hs[k], k layers applied): the loop stopped early."""
    try:
        data = np.array([float(v.data) for v in out])
    except Exception:
        return
    n = len(hs) - 1
    for k in range(1, n):
        if hs[k].shape[1] == len(data) and core.close(data, hs[k][0], 1e-6, 1e-8):
            fail(f"{name} returned the output of layer {k} of {n} (a list of {len(data)} Values): the last "
                 f"{n - k} layer(s) were never applied. The loop must run over every layer of self.layers (not "
                 f"self.layers[:-1], and no return inside the loop)", "layers-skipped")


def _explain_reversed(model, x, out, hs: list, name: str) -> None:
    """The output is what the model's own layers give when applied last to first: the loop runs over the layers
    in reverse order (reversed(self.layers), self.layers[::-1])."""
    layers = list(getattr(model, "layers", []) or [])
    if len(layers) < 2:
        return
    try:
        data = [float(v.data) for v in (out if isinstance(out, list) else [out])]
        y = x
        for layer in reversed(layers):
            y = layer(y)
        back = [float(v.data) for v in (y if isinstance(y, list) else [y])]
    except Exception:   # a probe that fails says nothing
        return
    if len(back) == len(data) and core.close(np.array(data), np.array(back), 1e-6, 1e-8) and \
            not (len(back) == hs[-1].shape[1] and core.close(np.array(back), hs[-1][0], 1e-6, 1e-8)):
        fail(f"{name} gives what your layers give when applied from the last to the first (a list of {len(data)} "
             f"Value(s)): the loop runs over self.layers in reverse order (reversed(...) or [::-1]); apply them "
             f"first to last, for layer in self.layers: x = layer(x)", "layers-reversed")


#: The labels of zero_grad's stand-in parameters, as a Neuron labels its Values: the biases neither first nor last
#: (a reset of the weights only is not taken for a loop that stops early or starts late).
_ZERO_GRAD_LABELS = ("w", "w", "b", "w", "b")


def _explain_which_reset(values: list[float], before: list) -> None:
    """Some parameters reset and others not: a loop that stops early leaves a tail of them untouched."""
    reset = [v == 0 for v in values]
    n, k = len(reset), sum(reset)
    untouched = all(v == float(b) for v, b, r in zip(values, before, reset) if not r)
    if not 0 < k < n or not untouched:
        return
    for label in ("w", "b"):
        if n == len(_ZERO_GRAD_LABELS) and reset == [lab != label for lab in _ZERO_GRAD_LABELS]:
            kind = "biases" if label == "b" else "weights"
            fail(f"after zero_grad() every parameter of self.parameters() must have grad 0, but your zero_grad left "
                 f"exactly the {kind} untouched (the parameters labelled {label!r}, at positions "
                 f"{[i for i, lab in enumerate(_ZERO_GRAD_LABELS) if lab == label]} of {n}): a condition on the "
                 f"parameter (its label, or which list it came from)? Reset every parameter, weight or bias: "
                 f"for p in self.parameters(): p.grad = 0.0", "zero-grad-skips-a-kind")
    for sign, word, other in ((1, "positive", "negative"), (-1, "negative", "positive")):
        if reset == [sign * float(b) > 0 for b in before]:
            fail(f"after zero_grad() every parameter of self.parameters() must have grad 0, but your zero_grad reset "
                 f"exactly the parameters whose grad was {word} and left those with a {other} grad untouched: a "
                 f"condition on the grad's sign (if p.grad > 0: ...); reset every grad, p.grad = 0.0, whatever its "
                 f"value", "zero-grad-sign-condition")
    if reset == [True] * k + [False] * (n - k):
        where = ("the first one only: is a `return` (or `break`) indented inside the loop?" if k == 1 else
                 "all but the last: the loop stops one parameter early (range(len(ps) - 1) or a slice [:-1]?)"
                 if k == n - 1 else f"the first {k}: the loop stops early")
        fail(f"after zero_grad() every parameter of self.parameters() must have grad 0, but of {n} parameters your "
             f"zero_grad reset {where}; the others kept their grad", "zero-grad-stops-early")
    if reset == [False] * (n - k) + [True] * k:
        fail(f"after zero_grad() every parameter of self.parameters() must have grad 0, but your zero_grad left the "
             f"first {n - k} of {n} parameters untouched and reset the others: the loop starts too late (a slice [1:] "
             f"or range(1, ...)?)", "zero-grad-starts-late")
    kept = [i for i, r in enumerate(reset) if not r]
    fail(f"after zero_grad() every parameter of self.parameters() must have grad 0, but the parameters at positions "
         f"{kept} of the {n} kept their grad (the others were reset): the loop misses some of them",
         "zero-grad-misses-some")


_ZERO_GRAD_PRECISION = {
    "grad": "the zero was written as a float32 number (p.grad = np.float32(0)?), so every gradient backward() adds to "
            "it afterwards stays float32 and loses precision (NumPy 2 keeps np.float32 + float in float32): p.grad = 0.0"}


class _MockModule:
    """A module whose parameters() the checker controls: Module.zero_grad is judged on it alone,
    whatever MLP, Layer and Neuron do."""

    def __init__(self, params):
        self.params = params
        self.asked = 0

    def parameters(self):
        self.asked += 1
        return list(self.params)


def _zero_grad_on_values(method, Value, data: list, before: list) -> bool:
    """Module.zero_grad judged on a module whose parameters() are real leaf Values of the student's class holding
    grads (the stand-in parameters have only data, grad and label: an error about another attribute is the check's,
    never the student's).  True when every grad was reset and no data changed; else it fails with what it saw."""
    try:
        params = [_new(Value, float(d)) for d in data]
        core.scatter(params, "grad", [float(g) for g in before])
    except Exception:   # a probe that fails says nothing: the original message stands
        return False
    _run(lambda: method(_MockModule(params)), "Module.zero_grad(module) on a module whose parameters are Values")
    if [float(v) for v in core.gather(params, "data")] != [float(d) for d in data]:
        fail("zero_grad() changed the parameters' data: it must set p.grad = 0, not p.data", "zero-grad-data")
    values = [_grad(p, "a parameter") for p in params]
    kept = [i for i, v in enumerate(values) if v != 0]
    if kept:
        fail(f"Module.zero_grad(module) on a module whose parameters() are {len(params)} leaf Values holding grads: "
             f"{len(kept)} of {len(params)} parameters kept their grad (positions {kept}): every parameter of "
             f"self.parameters() must get grad 0, whatever it is (the parameters are leaves, with no parents: a "
             f"condition on the node, such as if p._prev, skips them): for p in self.parameters(): p.grad = 0.0",
             "zero-grad-not-zero")
    return True


@_comprehension_order
def _zero_grad_second_module(method, r) -> None:
    """State kept between calls: zero_grad on a SECOND module (other parameters, another count) resets that module's
    parameters too (a list of parameters kept from the first call resets the first module forever)."""
    params = [core.kernel_object(data=float(r.normal()), grad=0.5 + abs(float(r.normal())), label=_ZERO_GRAD_LABELS[i])
              for i in range(3)]
    try:
        core.call(method, _MockModule(params), name="Module.zero_grad(module) on a second module")
        grads = [float(g) for g in core.gather(params, "grad")]
    except Exception:   # a probe that fails says nothing
        return
    if all(g == 0 for g in grads):
        return
    kept = _kept_parameters(method, params)
    where = (f", and {kept[0]} of zero_grad holds {kept[1]} Values that are not this module's parameters" if kept
             else "")
    fail(f"Module.zero_grad(module) reset the parameters of a first module, but called on a SECOND module (3 other "
         f"parameters) it left {sum(g != 0 for g in grads)} of their grads as they were{where}: zero_grad keeps "
         f"parameters from an earlier call (a list filled once, e.g. a default argument _ps=[], which Python creates "
         f"once, or a global) and resets those: state kept between calls; every call resets the module it is called "
         f"on: for p in self.parameters(): p.grad = 0.0", "zero-grad-kept-parameters")


def zero_grad(MLP, Value, Module=None) -> None:
    _own_prev(Value)    # a constructor sharing one _prev is value_init's mistake
    r = core.rng("lab05:zero")
    if Module is not None:
        # grads of both signs (alternating): a reset that depends on the sign is told apart from none
        # labelled as a Neuron labels its Values (weights "w", the bias "b"): a zero_grad that reads p.label runs
        params = [core.kernel_object(data=float(r.normal()), grad=(-1) ** i * (0.25 + abs(float(r.normal()))),
                                     label=_ZERO_GRAD_LABELS[i]) for i in range(5)]
        data = core.gather(params, "data")
        before = core.gather(params, "grad")
        mock = _MockModule(params)
        method = getattr(Module, "zero_grad", None)
        if not callable(method):
            fail("Module has no zero_grad() method", "no-zero-grad")
        try:
            core.call(method, mock, name="Module.zero_grad(module)")
        except core.CheckFailure as exc:
            if "not iterable" in str(exc) and not mock.asked:
                fail("Module.zero_grad(module) raised TypeError (not iterable): zero_grad loops over self.parameters, "
                     "the method itself, without calling it (it was "
                     "never called): write for p in self.parameters(): with the parentheses", "parameters-not-called")
            missing_attr = re.search(r"has no attribute '(\w+)'", str(exc))
            if missing_attr and not mock.asked:
                fail(f"Module.zero_grad(module) raised AttributeError on a module that has only parameters() (a "
                     f"stand-in for any Module): zero_grad reads self.{missing_attr.group(1)}, which Module does not "
                     f"define{' (a Neuron or a Layer has no self.layers either)' if missing_attr.group(1) == 'layers' else ''}; zero_grad belongs to "
                     f"every Module, so reset through the method each subclass defines: for p in self.parameters(): "
                     f"p.grad = 0.0", "zero-grad-reads-attribute")
            if mock.asked and "not implemented" not in str(exc) and \
                    _zero_grad_on_values(method, Value, data, before):
                # it raised on our stand-in parameters (an attribute, a method, Value's own __init__ re-run: the
                # docstring's parameters are Values): judged on real Values of the student's class
                return
            if "not implemented" not in str(exc):
                raise
            method = None        # implemented in MLP instead? judged on a real MLP below
        if method is not None:
            try:
                grads = core.gather(params, "grad")
            except AttributeError:
                fail("after zero_grad() a parameter has no attribute grad at all: zero_grad deleted it (del p.grad, or "
                     "delattr) instead of resetting it; set p.grad = 0.0 (backward() adds to p.grad with +=, so it "
                     "must exist and be a number)", "zero-grad-deletes")
            if core.gather(params, "data") != data:
                fail("zero_grad() changed the parameters' data: it must set p.grad = 0, not p.data", "zero-grad-data")
            if any(g is None for g in grads):
                fail("after zero_grad() a parameter's grad is None: set it to 0.0 (backward() adds to it with +=)",
                     "zero-grad-none")
            values = [core.expect_scalar(g, name="a parameter's grad") for g in grads]
            if values == [float(v) for v in before]:
                kept = _kept_parameters(method, params)
                if kept:
                    fail(f"zero_grad() left the grad of all {len(params)} parameters unchanged, and {kept[0]} of "
                         f"zero_grad holds {kept[1]} Values that are not this module's parameters: zero_grad keeps "
                         f"parameters from an earlier call (a list filled once, e.g. a default argument _ps=[], which "
                         f"Python creates once) and resets those: state kept between calls; every call resets the "
                         f"module it is called on: for p in self.parameters(): p.grad = 0.0",
                         "zero-grad-kept-parameters")
                _explain_zero_grad_elsewhere(MLP, Value)
                fail(f"zero_grad() left the grad of all {len(params)} parameters unchanged: after zero_grad() every "
                     f"parameter of self.parameters() must have grad 0; set p.grad = 0.0 for each p in "
                     f"self.parameters() (self.grad = 0 only sets an attribute of the module itself)",
                     "zero-grad-untouched")
            if any(v != 0 for v in values):
                _explain_which_reset(values, before)
                fail("after zero_grad() every parameter of self.parameters() must have grad 0", "zero-grad-not-zero")
            _expect_precision(params, Value, "Module.zero_grad(module)", ("grad",), _ZERO_GRAD_PRECISION)
            _zero_grad_second_module(method, r)
            return
    model = core.call(MLP, 2, [3, 1], rng=np.random.default_rng(3), name="MLP(2, [3, 1])")
    if Module is not None and not core.is_instance(model, Module):
        fail("MLP must derive from Module (class MLP(Module)), which provides zero_grad()", "mlp-not-module")
    ps = _param_list(model, "MLP", Value)
    data = [p.data for p in ps]
    for p in ps:
        p.grad = float(r.normal())
    core.call(model.zero_grad, name="model.zero_grad()")
    after = _param_list(model, "MLP", Value)
    if [id(p) for p in after] != [id(p) for p in ps]:
        fail("zero_grad() must reset the gradients of the existing parameters, not replace them", "zero-grad-replaces")
    if [p.data for p in ps] != data:
        fail("zero_grad() changed the parameters' data: it must set p.grad = 0, not p.data", "zero-grad-data")
    grads = [p.grad for p in ps]
    if any(g is None for g in grads):
        fail("after zero_grad() a parameter's grad is None: set it to 0.0 (backward() adds to it with +=)",
             "zero-grad-none")
    if any(_grad(p, "a parameter") != 0 for p in ps):
        fail("after zero_grad() every parameter must have grad 0", "zero-grad-not-zero")
    _expect_precision(ps, Value, "model.zero_grad()", ("grad",), _ZERO_GRAD_PRECISION)


def _explain_zero_grad_elsewhere(MLP, Value) -> None:
    """Module.zero_grad left every grad as it was: does a real MLP's zero_grad() reset its parameters?  Then the loop
    is written in MLP (or another subclass) only, and Module's, which Neuron and Layer inherit, does nothing."""
    try:
        model = MLP(2, [3, 1], rng=np.random.default_rng(5))
        ps = list(model.parameters())
        core.scatter(ps, "grad", [0.5] * len(ps))
        model.zero_grad()
        mlp_reset = all(float(g) == 0 for g in core.gather(ps, "grad"))
        layer = list(model.layers)[0]
        lps = list(layer.parameters())
        core.scatter(lps, "grad", [0.5] * len(lps))
        layer.zero_grad()
        layer_kept = bool(lps) and all(float(g) == 0.5 for g in core.gather(lps, "grad"))
    except Exception:   # a probe that fails says nothing
        return
    if mlp_reset and layer_kept:
        fail("Module.zero_grad(module) left the grad of every parameter unchanged, while MLP.zero_grad() resets its "
             "parameters: the loop is written in MLP only, and the zero_grad that Neuron and Layer inherit from Module "
             "does nothing (model.layers[0].zero_grad() left its grads as they were). zero_grad belongs to Module "
             "(its docstring): write the loop there, for p in self.parameters(): p.grad = 0.0, and every Module, "
             "MLP included, inherits it", "zero-grad-in-mlp-only")


def _radd_gives_number(Value) -> bool:
    """number + Value (``__radd__``, what sum() starts with) returns something that is not a Value: judged in the
    add cell; a cell built on sum() is then judged with the documented __radd__ put back for its duration."""
    try:
        return not core.is_instance(0.0 + _new(Value, 1.0), Value)
    except Exception:
        return False


def _class_attr(cls, name: str) -> Any:
    """``cls.name`` looked up on the class itself (in the kernel for a student class): dunders included."""
    return core.gather([cls], name)[0]


@_comprehension_order
def mse(mse_loss, Value) -> None:
    _own_prev(Value)    # a constructor sharing one _prev is value_init's mistake
    if not _radd_gives_number(Value):
        return _mse(mse_loss, Value)
    try:      # the reference __radd__ (self + other, as documented) for this cell: a broken one costs the add cell
        own, plus = _class_attr(Value, "__radd__"), _class_attr(Value, "__add__")
        Value.__radd__ = plus
    except Exception:
        return _mse(mse_loss, Value)
    try:
        return _mse(mse_loss, Value)
    finally:
        Value.__radd__ = own


def _explain_empty_sum(mse_loss, Value, name: str) -> None:
    """The loss is the plain number 0, not a Value, for predictions whose errors are not 0: what a sum over nothing
    gives (sum([]) is the int 0; a Value only comes out of a sum that adds Values).  Told when a second batch of
    other size (5 predictions) gives the plain 0 again: the loop or generator ran over no pair."""
    q = core.rng("lab05:mse:empty")
    pv, tv = q.normal(size=5), q.normal(size=5)
    try:
        again = mse_loss([_new(Value, v) for v in pv], [float(t) for t in tv])
    except Exception:       # a probe that fails says nothing
        return
    if core.is_instance(again, Value) or not isinstance(again, (int, float)) or again != 0:
        return
    fail(f"{name} returned the plain number {0.0 if isinstance(again, float) else 0}, not a Value, and so does a "
         f"batch of 5 predictions, although their errors are not 0: that is what a sum over NOTHING gives (sum of an "
         f"empty sequence is the number 0): the loop or generator ran over no pair, e.g. an iterator (zip(...), "
         f"map, a generator) read to its end before the sum (len(list(pairs)) uses it up; a zip can be read once); "
         f"sum the squared errors of every pair, then divide by N = len(preds)", "mse-sum-over-nothing")


def _mse(mse_loss, Value) -> None:
    r = core.rng("lab05:mse")
    ops_ok = None
    zero_at_one = None
    one_number = None
    for n in (1, 4, 7):
        pv, tv = r.normal(size=n), r.normal(size=n)
        preds = [_new(Value, v) for v in pv]
        name = f"mse_loss of {n} predictions"
        targets = [float(t) for t in tv]
        given = list(preds)
        try:
            out = _run(lambda: mse_loss(preds, targets), name)
        except core.CheckFailure as exc:
            if not _unimplemented(exc) and _fails(lambda: sum((p - t) ** 2 for p, t in zip(given, targets)) / n):
                continue   # the operations the loss is made of fail too: judged in their cells
            if n == 1 and "ZeroDivisionError" in str(exc):
                fail(f"{exc}: with a batch of one sample the loss divides by zero: the mean divides by "
                     f"N = len(preds), not by N - 1", "divides-by-n-minus-one")
            raise
        if len(preds) != n or any(p is not q for p, q in zip(preds, given)) or targets != [float(t) for t in tv]:
            fail(f"{name}: mse_loss changed the lists preds or targets it was given (in place): it must only "
                 f"read them; build new Values instead of overwriting preds[i]", "input-modified")
        if n == 1 and not core.is_instance(out, Value) and isinstance(out, (int, float)):
            # a plain number for one sample (an empty sum, 0 / 1): judged on the larger batches first, where the
            # value says which samples enter the loss; named here after them if they pass
            one_number = (name, out)
            continue
        if not core.is_instance(out, Value) and isinstance(out, (int, float)) and out == 0:
            _explain_empty_sum(mse_loss, Value, name)
        got = _data(out, Value, name)
        diff = pv - tv
        want = float(np.mean(diff ** 2))
        if n == 1 and not core.close(got, want, _RTOL, _ATOL) and core.close(got, abs(float(diff[0])), _RTOL, _ATOL):
            continue    # |error| with one sample: the RMSE, the mean absolute error... told apart on a larger batch
        if n == 1 and core.close(got, 0.5 * want, _RTOL, _ATOL):
            continue    # one sample: 1/2 * the mean and 1/2 * the sum agree; told apart on a larger batch
        if n == 1 and got == 0.0 and want > 1e-9:
            # 0 with one sample: nothing computed, or each error minus the mean error (a variance): told apart on
            # the larger batches; judged here after them if they pass
            zero_at_one = (name, want)
            continue
        if not core.close(got, want, _RTOL, _ATOL):
            if ops_ok is None:
                ops_ok = _ops_ok(Value, add, mul, power, sub_neg, div)
            own = []
            if not ops_ok:
                sq = [(p - t) ** 2 for p, t in zip(preds, targets)]
                own = _own_values([lambda f=f: f() / n for f in _sum_forms(sq)]
                                  + [lambda f=f: f() * (1.0 / n) for f in _sum_forms(sq)], name)
            if not any(core.close(got, v, _RTOL, _ATOL) for v in own):
                _expect_mse(mse_loss, Value, pv, targets, got, want, name,
                        diagnose={"your loss is the square root of the mean squared error (the RMSE): mse_loss "
                                  "returns the mean of the squared errors itself, without ** 0.5 or sqrt":
                                  math.sqrt(want),
                                  "the loss must be the mean over the batch, not the sum":
                                  float(np.sum(diff ** 2)),
                                  "square the errors: (pred - target) ** 2": float(np.mean(diff)),
                                  "the mean of the absolute errors is not the squared error: (pred - target) ** 2":
                                      float(np.mean(np.abs(diff))),
                                  "the textbook 1/2 * sum of the squared errors (no division by N): the lab's loss is "
                                  "the plain mean (1/N) sum (pred - target)**2, without the 1/2 and divided by N = "
                                  "len(preds)": 0.5 * float(np.sum(diff ** 2)) if n > 2 else None,
                                  "a factor 1/2 too many: the lab's loss is the plain mean (1/N) sum (pred - target)**2, "
                                  "without the 1/2 some textbooks put in front": 0.5 * want,
                                  "the errors were summed before squaring ((sum(preds) - sum(targets)) ** 2 / N): "
                                  "square each error (pred - target) ** 2, then average": float(np.sum(diff) ** 2 / n),
                                  "divided by N - 1 instead of N: the mean squared error divides by N = len(preds)":
                                      float(np.sum(diff ** 2) / (n - 1)) if n > 1 else None})
        if _reaches(out, preds) and not _own_detached(
                lambda: sum((p - t) ** 2 for p, t in zip(preds, targets)) / n, preds):
            fail(f"{name}: the loss is detached from the predictions (computed from their .data): build it "
                 f"with Value operations so that backward() can reach them", "loss-detached")
        for v in preds:
            v.grad = 0.0
        try:
            _reverse_pass(out, 1.0, name, zero=True, numbers_ok=True)    # a ** k's exponent in _prev: the power cell's
        except core.CheckFailure as exc:
            if _unimplemented(exc) or not _fails(lambda: _reverse_pass(
                    sum((_new(Value, v) - t) ** 2 for v, t in zip(pv, targets)) / n, 1.0, name, zero=True,
                    numbers_ok=True)):
                raise
            continue    # a closure of the operations the loss is made of raises there too: judged in their cells
        try:
            core.expect_close(np.array([_grad(p, "pred") for p in preds]), 2 * diff / n,
                              name=f"d({name})/dpred")
        except core.CheckFailure as exc:
            if ops_ok is None:
                ops_ok = _ops_ok(Value, add, mul, power, sub_neg, div)
            if ops_ok and not _faults(Value)[0]:
                _mse_own_forward(mse_loss, Value, pv, targets, 2 * diff / n, name, exc)
                raise
            # the gradients come from the operations' own closures, which are wrong: judged there
    if one_number is not None:
        fail(f"{one_number[0]} must return a Value, got the plain number {one_number[1]!r} (the larger batches are "
             f"right): with one sample nothing of the graph was built (a loop or a sum over an empty range, e.g. "
             f"range(1, N)?); the loss is a Value for every N >= 1, so that loss.backward() works",
             "not-a-value-one-sample")
    if zero_at_one is not None:
        fail(f"{zero_at_one[0]}: the loss is 0, expected {zero_at_one[1]:.6g}: with one sample the loss is that "
             f"sample's squared error (pred - target) ** 2 itself, which is 0 only when the prediction equals the "
             f"target (larger batches are right)", "loss-zero-one-sample")
    _mse_after_change(mse_loss, Value)


def _mse_after_change(mse_loss, Value) -> None:
    """Property: the loss is a function of the predictions' CURRENT values.  The same prediction Values get new .data
    in place (as after a training step), and mse_loss on the same lists must give the new mean squared error; the
    old loss again was kept from an earlier call (a cache keyed on the list or on its Values)."""
    q = core.rng("lab05:mse-change")
    pv, tv, pv2 = q.normal(size=5), [float(t) for t in q.normal(size=5)], q.normal(size=5)
    try:
        preds = [_new(Value, float(v)) for v in pv]
        first = float(mse_loss(preds, tv).data)
        core.scatter(preds, "data", [float(v) for v in pv2])
        second = float(mse_loss(preds, tv).data)
    except Exception:   # a probe that fails says nothing
        return
    want, old = float(np.mean((pv2 - np.array(tv)) ** 2)), float(np.mean((pv - np.array(tv)) ** 2))
    if core.close(second, want, _RTOL, _ATOL) or not core.close(first, old, _RTOL, _ATOL):
        return
    fail(f"mse_loss of 5 predictions called twice on the same prediction Values, their .data changed in place in "
         f"between (as a training step does): the second call returned {second:.6g}, expected {want:.6g}"
         + (": the loss of the OLD values, a result computed from the values of an earlier call"
            if core.close(second, old, _RTOL, _ATOL) else "")
         + ": state kept between calls (a loss cached on the list or on its Values?); compute the loss from the "
         "predictions at every call", "loss-stale-after-update")


def _explain_all_pairs(mse_loss, Value, preds, targets, got, name, exc) -> None:
    """The loss sums (p - t) ** 2 over EVERY pair of a prediction and a target (N * N terms, a double loop), divided
    by N or by N * N: told when the same formula also gives the student's loss on a second batch of another size."""
    def pairs(P, T, d):
        return sum((p - t) ** 2 for p in P for t in T) / d
    try:
        pv = [float(p) for p in preds]          # the predictions as numbers (what _expect_mse is given)
        n = len(pv)
        r = np.random.default_rng(11)
        n2 = n + 2
        p2, t2 = [float(v) for v in r.normal(size=n2)], [float(v) for v in r.normal(size=n2)]
        got2 = float(mse_loss([_new(Value, v) for v in p2], list(t2)).data)
    except Exception:   # a probe that fails says nothing
        return
    for k in (1, 2):
        if n > 1 and core.close(got, pairs(pv, targets, n ** k), 1e-9, 1e-12) and \
                core.close(got2, pairs(p2, t2, n2 ** k), 1e-9, 1e-12):
            fail(f"{exc}: every prediction meets every target: your loss sums (p - t) ** 2 over all N * N pairs of a "
                 f"prediction and a target (a double loop, for p in preds for t in targets), here and on a second "
                 f"batch of {n2}: pair each prediction with its own target, zip(preds, targets)", "loss-all-pairs")


def _explain_error_offset(mse_loss, Value, preds, targets, got, diff, exc) -> None:
    """Property: adding 1 to every prediction adds 1 to every error, so the mean squared error moves (to
    mean((e + 1) ** 2)).  A loss that stays the same subtracts the mean error from each (a variance): told when
    the student's loss does not move here and on a second batch of another size."""
    def shifted(P, T):
        return float(mse_loss([_new(Value, float(p) + 1.0) for p in P], list(T)).data)
    try:
        moved = shifted(preds, targets)
        r = np.random.default_rng(23)
        n2 = len(preds) + 3
        p2, t2 = r.normal(size=n2), r.normal(size=n2)
        got2 = float(mse_loss([_new(Value, float(v)) for v in p2], [float(t) for t in t2]).data)
        moved2 = shifted(p2, t2)
    except Exception:   # a probe that fails says nothing
        return
    if not (core.close(moved, got, 1e-9, 1e-12) and core.close(moved2, got2, 1e-9, 1e-12)):
        return
    variance = all(core.close(g, float(np.var(d)), 1e-9, 1e-12) for g, d in ((got, diff), (got2, p2 - t2)))
    fail(f"{exc}; and your loss stays {got:.6g} when 1 is added to every prediction (every error pred - target grows "
         f"by 1: the mean squared error must become {float(np.mean((diff + 1) ** 2)):.6g}), and stays the same again "
         f"on a second batch of {n2}: {'your loss is the variance of the errors: ' if variance else ''}the mean error "
         f"is subtracted from each error; the loss is the mean of each error squared as it is, "
         f"(1/N) sum (pred - target) ** 2", "loss-ignores-error-offset")


def _expect_mse(mse_loss, Value, preds, targets, got, want, name, diagnose) -> None:
    """No catalogued mistake: name the property that fails (a squared error is 0 where every prediction equals
    its target, and depends on the errors pred - target alone)."""
    try:
        _expect(got, want, name, diagnose=diagnose)
    except core.CheckFailure as exc:
        if exc.diagnosis in ("wrong-value", "all-zero"):
            _explain_samples(mse_loss, Value, name)
            _explain_batch_factor(mse_loss, Value, preds, targets, got, want, name)
        if exc.diagnosis != "wrong-value":
            raise
        try:
            at_target = float(mse_loss([_new(Value, t) for t in targets], list(targets)).data)
            moved = float(mse_loss([_new(Value, float(p) + 1.0) for p in preds], [t + 1.0 for t in targets]).data)
        except Exception:
            raise exc from None
        _explain_all_pairs(mse_loss, Value, preds, targets, got, name, exc)
        _explain_targets_mapped(mse_loss, Value, preds, targets, got, at_target, exc)
        if not core.close(at_target, 0.0, 0, 1e-9):
            fail(f"{exc}; and your loss is {at_target:.6g}, not 0, when every prediction equals its target: each term "
                 f"must be the squared error (pred - target) ** 2", "loss-not-zero-at-target")
        if not core.close(moved, got, 1e-9, 1e-12):
            fail(f"{exc}; and your loss changes ({got:.6g} -> {moved:.6g}) when every prediction and its target move "
                 f"by the same amount (+1), so it is not a function of the errors pred - target alone: each term must "
                 f"be (pred - target) ** 2 (not pred ** 2 - target ** 2, nor a term in pred or target alone)",
                 "loss-not-function-of-error")
        diff = np.asarray(preds, float) - np.asarray(targets, float)
        _explain_error_offset(mse_loss, Value, preds, targets, got, diff, exc)
        if any(core.close(got, v, _RTOL, _ATOL) for v in (float(np.mean(diff)) ** 2, float(np.sum(diff)) ** 2)):
            _explain_errors_cancel(mse_loss, Value, name, exc)
        _explain_degree(mse_loss, Value, preds, targets, got, name, exc)
        raise


def _explain_targets_mapped(mse_loss, Value, preds, targets, got: float, at_target: float, exc) -> None:
    """The loss is the mean squared error against TRANSFORMED targets (int(t), round(t), 2t - 1, ...): told when that
    holds on the failing batch, where every prediction equals its target (the loss is then the mean of
    (t - T(t)) ** 2, not 0) and on a second batch of 6 targets of both signs and sizes up to 2.6 (which tells the
    transforms apart)."""
    p, t = np.asarray(preds, float), np.asarray(targets, float)
    r = core.rng("lab05:mse-targets")
    p2, t2 = r.normal(size=6), np.array([-2.3, -0.7, -0.2, 0.4, 1.6, 2.55]) + r.uniform(-0.05, 0.05, size=6)
    try:
        got2 = float(mse_loss([_new(Value, float(v)) for v in p2], [float(v) for v in t2]).data)
    except Exception:   # a probe that fails says nothing
        return
    for expr, f in _TARGET_MAPS:
        ty = f(t)
        if core.close(f(t2), t2, 1e-9, 1e-12):
            continue
        if core.close(got, float(np.mean((p - ty) ** 2)), 1e-9, 1e-12) and \
                core.close(at_target, float(np.mean((t - ty) ** 2)), 1e-9, 1e-12) and \
                core.close(got2, float(np.mean((p2 - f(t2)) ** 2)), 1e-9, 1e-12):
            fail(f"{exc}; your loss is the mean squared error against the targets {expr.replace('y', 't')} "
                 f"({', '.join(f'{v:.4g}' for v in t2)} became {', '.join(f'{v + 0.0:.4g}' for v in f(t2))}), here "
                 f"and on a second batch, and when every prediction equals its target (where it is {at_target:.6g}, "
                 f"not 0): the targets are "
                 f"real numbers used as given, (pred - target) ** 2 with target itself (no int(), round() or "
                 f"mapping of labels)", "loss-targets-changed")


def _explain_errors_cancel(mse_loss, Value, name, exc) -> None:
    """Errors of opposite signs that add up to 0 (two batches of other sizes): the mean squared error is positive;
    a loss that is 0 on both averaged (or summed) the errors before squaring them."""
    cases = [([0.3, -1.2], [-0.2, -0.7]), ([1.5, 0.1, -0.4], [0.7, 0.5, 0.0])]   # errors (+.5, -.5), (+.8, -.4, -.4)
    got = []
    for p, t in cases:
        try:
            got.append(float(mse_loss([_new(Value, v) for v in p], list(t)).data))
        except Exception:
            return
    if all(core.close(g, 0.0, 0, 1e-9) for g in got):
        fail(f"{exc}; and errors of opposite signs cancel in your loss: errors (+0.5, -0.5) give {got[0]:.3g} "
             f"(want 0.25) and (+0.8, -0.4, -0.4) give {got[1]:.3g} (want 0.32): the errors were averaged (or summed) "
             f"before squaring; square each error (pred - target) ** 2 first, then take the mean",
             "errors-averaged-before-squaring")


def _explain_degree(mse_loss, Value, preds, targets, got, name, exc) -> None:
    """A squared error is homogeneous of degree 2 in the errors: with every error doubled the loss is 4 times
    larger.  Degree 1 (twice larger) means the errors are not squared, whatever was written instead."""
    try:
        doubled = float(mse_loss([_new(Value, t + 2 * (float(p) - t)) for p, t in zip(preds, targets)],
                                 list(targets)).data)
    except Exception:
        return
    if got == 0 or not core.close(doubled, 2 * got, 1e-9, 1e-12):
        return
    fail(f"{exc}; and your loss doubles when every error pred - target doubles, where a squared error grows 4 "
         f"times: the errors are not squared in your loss (each term is linear in pred - target: (p - t) * 2 "
         f"where (p - t) ** 2 belongs?)", "errors-not-squared")


def _explain_samples(mse_loss, Value, name) -> None:
    """Which samples the loss counts: on a batch of 5 where only sample j is off (by 1), N * loss is sample j's
    weight in the sum (1 for each).  Said when some weights are 0 or 2 and they give the loss of a batch where every
    sample is off (a second probe)."""
    n, r = 5, core.rng("lab05:mse-samples")
    t = [float(v) for v in r.normal(size=n)]
    try:
        w = [n * float(mse_loss([_new(Value, t[i] + (1.0 if i == j else 0.0)) for i in range(n)], list(t)).data)
             for j in range(n)]
        e = r.normal(size=n)
        both = float(mse_loss([_new(Value, t[i] + float(e[i])) for i in range(n)], list(t)).data)
    except Exception:   # a probe that fails says nothing
        return
    k = np.round(w)
    if not np.allclose(w, k, atol=1e-9) or np.all(k == k[0]) or not core.close(both, float(k @ e ** 2) / n, 1e-9, 1e-12):
        # (the same weight for every sample is a factor of the whole loss, said by _explain_batch_factor)
        return
    left = [i for i in range(n) if k[i] == 0]
    twice = [i for i in range(n) if k[i] > 1]
    what = "; ".join(filter(None, [
        ("the last sample's squared error is left out (a slice [:-1] or a loop over range(len(preds) - 1)?)"
         if left == [n - 1] else "the first sample's squared error is left out (a loop from 1?)" if left == [0]
         else f"the squared errors of samples {left} are left out") if left else "",
        f"the squared errors of samples {twice} are counted {int(k[twice[0]])} times" if twice else ""]))
    fail(f"{name}: on a batch of 5 where one sample at a time is off by 1, your loss counts the samples with weights "
         f"{[int(v) for v in k]}: {what}; the mean squared error sums every sample's (pred - target) ** 2 once, "
         f"then divides by N", "loss-samples")


def _explain_batch_factor(mse_loss, Value, preds, targets, got, want, name) -> None:
    """Wrong by a factor for N > 1 while right for one sample: the factor is the N-dependence of the mean (1/N)
    written wrongly, named by its value (0: integer division, 1/N twice...)."""
    n = len(targets)
    if n < 2 or want == 0:
        return
    try:
        one = float(mse_loss([_new(Value, float(preds[0]))], [targets[0]]).data)
    except Exception:
        return
    if not core.close(one, (float(preds[0]) - targets[0]) ** 2, _RTOL, _ATOL):
        return
    if got == 0:
        fail(f"{name} is 0, expected {want:.6g}, while it is right for a single prediction: a factor that is 1 for "
             f"N = 1 and 0 for N = {n}, as 1 // N (integer division) is: divide by N with / (sum(...) / len(preds))",
             "integer-division")
    said = cases.explain_factor(got, want, {"N": n}, divisor="N", scalar=True)
    if said:
        fail(f"{name} is {got:.6g}, expected {want:.6g}, and right for a single prediction: {said}; the mean squared "
             f"error divides the sum of the N squared errors by N once", "loss-wrong-divisor")


def _mse_own_forward(mse_loss, Value, pv, targets, want, name, exc) -> None:
    """The loss's gradient is wrong: if finite differences of the student's own forward are right, the
    loss's backward is not the derivative of its forward (a hand-written _backward for the loss node)."""
    def f(v):
        return float(mse_loss([_new(Value, x) for x in v], targets).data)
    try:
        num = core.numerical_gradient(f, np.array(pv, dtype=np.float64))
    except Exception:
        return
    if core.close(num, want, 1e-5, 1e-6):
        fail(f"d({name})/dpred: the gradient your loss sends back is not the derivative of your own forward "
             f"(finite differences of your mse_loss agree with the mean squared error): "
             f"{str(exc).split(' has wrong values: ', 1)[-1]}", "backward-not-derivative-of-forward")


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


def _np_train(Wn, bn, X, y, lr, steps, reset=True, sign=1.0, lag=False):
    Wn, bn = [w.copy() for w in Wn], [b.copy() for b in bn]
    aW, ab = [np.zeros_like(w) for w in Wn], [np.zeros_like(b) for b in bn]
    losses = []
    for _ in range(steps):
        loss, gW, gb = _np_mlp_grads(Wn, bn, X, y)
        losses.append(loss)
        if lag:      # the update uses the gradients of the previous step (update before backward)
            Wn = [w - lr * g for w, g in zip(Wn, aW)]
            bn = [b - lr * g for b, g in zip(bn, ab)]
            aW, ab = gW, gb
            continue
        aW = gW if reset else [a + g for a, g in zip(aW, gW)]
        ab = gb if reset else [a + g for a, g in zip(ab, gb)]
        Wn = [w - sign * lr * g for w, g in zip(Wn, aW)]
        bn = [b - sign * lr * g for b, g in zip(bn, ab)]
    return losses, Wn, bn


def _np_online(Wn, bn, X, y, lr, steps):
    """``steps`` calls of a train_step that updates after every sample (its losses: each call's last sample's)."""
    losses = []
    for _ in range(steps):
        for i in range(len(X)):
            loss, Wn, bn = _np_train(Wn, bn, X[i:i + 1], y[i:i + 1], lr, 1)
        losses.append(loss[0])
    return losses, Wn, bn


def _replay(MLP, mse_loss, Wn, bn, xs, ys, lr, steps, Value, types: list | None = None):
    """The training step replayed on a twin of the student's model with their own MLP, loss and engine:
    (losses, flat parameters), or None when their building blocks fail."""
    try:
        twin, Ws, bs = _model_for_train(MLP, Value)
        _set_values(Ws, bs, Wn, bn)
        params = list(twin.parameters())
        losses = []
        for _ in range(steps):
            twin.zero_grad()
            loss = mse_loss([twin(x) for x in xs], ys)
            loss.backward()
            grads = core.gather(params, "grad")
            if not all(isinstance(g, (int, float, np.number)) for g in grads):
                return None      # an operation's closure leaves a non-number in .grad: judged in its cell
            if len({id(p) for p in params}) == len(params):       # read all, write all: two requests
                core.scatter(params, "data", [d - lr * g for d, g in zip(core.gather(params, "data"), grads)])
            else:       # a parameter listed twice is stepped twice, the second step from the first's result
                for p in params:
                    p.data = p.data - lr * p.grad
            losses.append(float(loss.data))
        if types is not None:      # the raw numbers (their precision) of the replayed step's parameters
            types.extend([core.gather(params, "data"), core.gather(params, "grad")])
        return losses, _flat_values(Ws, bs)
    except (core.CheckFailure, Exception):
        return None


def _flat_grads(Ws, bs) -> np.ndarray | None:
    """The parameters' .grad in the order of _flat_values, or None when they are not numbers."""
    objs = [v for Wl in Ws for row in Wl for v in row] + [v for bl in bs for v in bl]
    try:
        return np.array(core.gather(objs, "grad"), dtype=np.float64)
    except (TypeError, ValueError, core.CheckFailure):
        return None


def _flat_values(Ws, bs) -> np.ndarray:
    """The weights (layer by layer, row by row) then the biases, as one vector read in one request."""
    objs = [v for Wl in Ws for row in Wl for v in row] + [v for bl in bs for v in bl]
    return np.array(core.gather(objs, "data"), dtype=np.float64)


@_comprehension_order
def train_step(train_step, MLP, Value, mse_loss=None) -> None:
    """Several steps against a NumPy oracle (a batch of 4, of 1 and an odd batch of 5), then the loss must
    go down with your engine.

    When your MLP, loss or engine differ from the oracle, the same steps are replayed with them
    (zero_grad, your loss over the batch, backward, p.data -= lr * p.grad) and train_step is judged
    against that replay: its own cell judges the step, not the pieces it calls."""
    _own_prev(Value)    # a constructor sharing one _prev is value_init's mistake
    with _neuron_parameters_kept(MLP):
        try:
            _train_step(train_step, MLP, Value, mse_loss)
        except core.CheckFailure as exc:
            if _unimplemented(exc):
                raise
            why = _model_call_impure(MLP)
            if why is None:
                # their backward() fails its own cell (an order that depends on memory addresses...): train_step
                # is judged again with the documented backward() lent to their Value class
                if _fails(lambda: backward(Value)) and core.judged_again(
                        lambda: _train_step(train_step, MLP, Value, mse_loss), _documented_backward(Value),
                        "judged with the documented backward() (reverse topological order, each _backward once) in "
                        "place of yours: see the backward cells"):
                    return
                why = _model_forward_differs(MLP)
                if why is None:
                    raise
            # Their model's call changes the model or its input (the neuron / mlp cells name it): train_step is
            # judged with the documented call, layer by layer act(w . x + b), lent to their MLP class.
            if not core.judged_again(lambda: _train_step(train_step, MLP, Value, mse_loss), _documented_mlp_call(MLP),
                                     f"judged with the documented model call, x = layer(x) with each neuron "
                                     f"act(w . x + b), in place of yours, which {why}: see the neuron and mlp cells"):
                raise exc from None


def _expect_call_keeps_neuron(Neuron, nin: int, act: str) -> None:
    """Property of the docstring's call: n(x) computes act(w . x + b) and leaves the neuron as it was, so a second
    call on the same x gives the same output and parameters() the same values.  Confirmed on a fresh neuron with
    other inputs (two calls) before it is told, with which parameters changed."""
    rng = np.random.default_rng(7)
    try:
        n = core.call(Neuron, nin, act=act, rng=np.random.default_rng(3), name=f"Neuron({nin}, act={act!r})")
        params = list(n.parameters())
        if len(params) != nin + 1:
            return
        core.scatter(params, "data", [float(v) for v in rng.uniform(0.2, 0.9, size=nin + 1)])
        before = [float(p.data) for p in params]
        x = [float(v) for v in rng.uniform(0.3, 1.2, size=nin)]
        first = float(n(list(x)).data)
        now = [float(p.data) for p in list(n.parameters())]
        second = float(n(list(x)).data)
    except Exception:   # a probe that fails says nothing
        return
    if now == before and first == second:
        return
    which = [f"w[{i}]" for i in range(nin) if now[i] != before[i]] + (["b"] if now[nin] != before[nin] else [])
    changed = f"parameters() now gives other values for {', '.join(which)}" if which else "parameters() is unchanged"
    again = f", and a second call on the same x gives {second:.6g} instead of {first:.6g}" if first != second else ""
    fail(f"calling Neuron({nin}, act={act!r}) changed the neuron: {changed}{again}: n(x) must leave the neuron as it "
         f"was (for example, accumulating into self.b, self.b = self.b + w[i] * x[i], rebinds the bias parameter to "
         f"the sum): compute z in a local variable, "
         f"z = self.b + the sum of the w[i] * x[i], then the activation", "neuron-call-changes-neuron")


def _model_call_impure(MLP) -> str | None:
    """Property of the docstrings' calls: model(x) leaves the caller's x and the model as they were, so a second call
    on the same x gives the same output and parameters() the same values.  What fails, in words, or None."""
    try:
        model = MLP(3, [4, 4, 1], rng=np.random.default_rng(1))
        x = [0.5, -0.25, 1.0]
        held = list(model.parameters())
        before = [float(p.data) for p in held]
        first = model(x)
        if [id(p) for p in list(model.parameters())] != [id(p) for p in held]:
            return "replaces its parameters when called (a new Value bound to self.b or self.w in __call__)"
        if len(x) != 3 or not all(_is_number(v) for v in x) or [float(v) for v in x] != [0.5, -0.25, 1.0]:
            return "changes the caller's list x"
        after = [float(p.data) for p in list(model.parameters())]
        second = model(x)
        outs = [float(v.data) for v in (first if isinstance(first, list) else [first])]
        again = [float(v.data) for v in (second if isinstance(second, list) else [second])]
    except Exception:   # a probe that fails says nothing
        return None
    if after != before:
        return "changes the model's parameters when called (a parameter such as self.b rebound or changed in place)"
    if outs != again:
        return "gives another output when called twice on the same x (the call changes the model)"
    if _stale_after_change(model, x, "mlp") is not None:
        return "keeps a result between calls (its output is not recomputed after the parameters change)"
    return _neuron_stale(MLP)


def _model_forward_differs(MLP) -> str | None:
    """Does the student's model(x) give other outputs than the documented forward (x = layer(x), each neuron
    act(w . x + b), in neuron order) computed on the same model with the student's own operations?  The neuron and
    mlp cells name what differs (a Layer in another order, a neuron formula)."""
    try:
        model = MLP(3, [4, 4, 2], rng=np.random.default_rng(1))
        x = [0.5, -0.25, 1.0]
        out = model(list(x))
        got = [float(v.data) for v in (out if isinstance(out, list) else [out])]
        doc = _documented_mlp(model, list(x))
        want = [float(v.data) for v in (doc if isinstance(doc, list) else [doc])]
    except Exception:   # a probe that fails says nothing
        return None
    if len(got) == len(want) and core.close(np.array(got), np.array(want), 1e-9, 1e-12):
        return None
    return "gives other outputs than that on the same parameters"


def _documented_mlp(model, x):
    """The MLP call of the docstrings, x = layer(x) through each layer with every neuron act(w . x + b), on the
    student's own Values (called back from the kernel: this code is the cells' answer and stays here)."""
    h = list(x)
    for layer in list(model.layers):
        h = [_documented_neuron(neuron, h) for neuron in list(layer.neurons)]
    return h[0] if len(h) == 1 else h


#: The check's driver, run in the kernel: the docstring's backward() (the root's grad += 1, then every node's
#: _backward once, in reverse topological order), lent to the student's Value class.
_BACKWARD_LENT = '''
def documented_backward(self):
    topo, seen, stack = [], set(), [(self, False)]
    while stack:
        node, done = stack.pop()
        if done:
            topo.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for parent in list(getattr(node, "_prev", ()) or ()):
            if id(parent) not in seen and hasattr(parent, "_backward"):
                stack.append((parent, False))
    for node in topo:
        if getattr(node, "_prev", None):
            node.grad = 0.0
    self.grad += 1.0
    for node in reversed(topo):
        node._backward()
'''


@contextlib.contextmanager
def _documented_backward(Value):
    own = core.gather([Value], "backward")[0]
    core.scatter([Value], "backward", [core.kernel_functions(_BACKWARD_LENT)["documented_backward"]])
    try:
        yield
    finally:
        core.scatter([Value], "backward", [own])


@contextlib.contextmanager
def _documented_mlp_call(MLP):
    model = MLP(2, [1], rng=np.random.default_rng(0))
    cls = core.gather([model], "__class__")[0]
    own = core.gather([cls], "__call__")[0]
    lend = core.kernel_functions(_NEURON_CALL)["lend"]
    core.scatter([cls], "__call__", [lend(_documented_mlp)])
    try:
        yield
    finally:
        core.scatter([cls], "__call__", [own])


def _train_step(train_step, MLP, Value, mse_loss=None) -> None:
    r = core.rng("lab05:train")
    X = np.array([[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]])
    X = X + 0.1 * r.normal(size=X.shape)
    y = np.array([1.0, -1.0, -1.0, 1.0])
    main = _train_case(train_step, MLP, Value, mse_loss, X, y, 0.05, 4, r)
    if main is None:
        return
    _train_step_precision(train_step, MLP, Value, mse_loss, X, y, 0.05)
    for n in (1, 5):      # a batch of one sample, an odd batch
        Xn, yn = r.normal(size=(n, 3)), np.tanh(r.normal(size=n))
        if _train_case(train_step, MLP, Value, mse_loss, Xn, yn, 0.1, 3, r) is None:
            return
    _stale_gradients(train_step, MLP, Value, X, y, 0.05, r)
    _new_batch_each_call(train_step, MLP, Value, r)
    # and training with your engine actually learns
    model, got = main
    xs, ys = X.tolist(), y.tolist()
    first = got[0]
    for _ in range(30):
        last = core.expect_scalar(_run(lambda: train_step(model, xs, ys, 0.1), "train_step"),
                                  name="train_step(...)")
    if not last < 0.5 * first:
        fail(f"training with your engine does not reduce the loss: {first:.4g} -> {last:.4g} "
             f"after 34 steps", "loss-not-reduced")


def _narrow(v) -> str | None:
    """The NumPy name of a float type narrower than float64 (float32, float16) for a number ``v``, else None (a Python
    float, np.float64, an int)."""
    dtype = getattr(v, "dtype", None)
    try:
        if dtype is not None and np.issubdtype(dtype, np.floating) and np.dtype(dtype).itemsize < 8:
            return np.dtype(dtype).name
    except TypeError:
        return None
    return None


def _engine_narrow(Value) -> dict[str, str | None]:
    """{'data': ..., 'grad': ...}: the precision a fresh Value(0.3) of the student's class keeps (a float32 engine is
    the student's accepted choice: then nothing narrower than that is asked of the functions that write them)."""
    try:
        v = _new(Value, 0.3)
        return {"data": _narrow(core.gather([v], "data")[0]), "grad": _narrow(core.gather([v], "grad")[0])}
    except Exception:   # a probe that fails says nothing: judged in value_init's cell
        return {"data": "?", "grad": "?"}


def _expect_precision(objs: list, Value, name: str, attrs: tuple, fix: dict) -> None:
    """Property of every graded function that writes p.data / p.grad (an optimiser step, zero_grad): where the
    student's Value keeps its numbers as Python floats (float64), the numbers the function leaves in the parameters
    are float64 too.  ``fix``: attr -> what narrowed them and the remedy."""
    engine = _engine_narrow(Value)
    for attr in attrs:
        if engine[attr] is not None:
            continue
        try:
            values = core.gather(objs, attr)
        except Exception:   # a probe that fails says nothing: the values were judged already
            return
        narrow = [_narrow(v) for v in values]
        which = [i for i, n in enumerate(narrow) if n]
        if which:
            kind = narrow[which[0]]
            fail(f"{name}: p.{attr} became numpy.{kind} ({len(which)} of {len(objs)} parameters), although your Value "
                 f"keeps {attr} as a Python float (float64 precision, about 16 digits; {kind} keeps about "
                 f"{np.finfo(np.dtype(kind)).precision}): {fix[attr]}", f"{attr}-precision-lost")


def _train_step_precision(train_step, MLP, Value, mse_loss, X, y, lr) -> None:
    """After train_step (its values right to the check's tolerance), the parameters' data and grad keep the
    precision of the student's engine.  Gradients narrowed to float32 are charged to train_step only when the
    documented step replayed with the student's own zero_grad, loss and engine keeps them float64 (else those pieces
    narrow them: judged in their cells, and the data narrowed by them too); data narrowed from float64 gradients is
    the update's own line (a float32 learning rate or constant)."""
    model, Ws, bs = _model_for_train(MLP, Value)     # one step from float64 parameters and float64 grads
    _set_random(Ws, bs, core.rng("lab05:train:precision:start"))
    ps = [v for Wl in Ws for row in Wl for v in row] + [v for bl in bs for v in bl]
    core.scatter(ps, "grad", [0.0] * len(ps))
    name = f"train_step(model, xs, ys, lr={lr:g}) on a batch of {len(X)} samples, once from float64 parameters"
    try:
        value = _run(lambda: train_step(model, X.tolist(), y.tolist(), lr), name)
    except core.CheckFailure:
        return      # a step that raises here was judged by the cases
    kind = _narrow(value)
    if kind and _engine_narrow(Value)["data"] is None:
        fail(f"{name}: it returned the loss as numpy.{kind}, although your Value keeps data as a Python float "
             f"(float64 precision): the loss was cast to {kind} on the way out (np.{kind}(loss.data)?), which rounds it "
             f"to {np.finfo(np.dtype(kind)).precision} digits; return loss.data as it is", "loss-precision-lost")
    fix = {"data": "the update was computed in float32: a learning rate or a constant cast to np.float32 (NumPy 2 "
                   "keeps np.float32 * float in float32), so each step rounds every parameter to 7 digits; update with "
                   "the lr as given, a Python float: p.data -= lr * p.grad",
           "grad": "the gradients train_step leaves were reset or computed in float32 (p.grad = np.float32(0.0) "
                   "before backward()?), while your own zero_grad, loss and backward keep float64 (and the update "
                   "p.data -= lr * p.grad then narrows the data too): reset them with model.zero_grad()"}
    try:
        grads_narrow = any(_narrow(g) for g in core.gather(ps, "grad"))
    except Exception:   # a probe that fails says nothing: the values were judged already
        return
    if grads_narrow:
        if mse_loss is None or _engine_narrow(Value)["grad"] is not None:
            return
        r = core.rng("lab05:train:precision")
        Wn = [r.normal(size=shape) * 0.5 for shape in ((3, 4), (4, 4), (4, 1))]     # (nin, nout) per layer
        bn = [r.normal(size=(1, w.shape[1])) * 0.3 for w in Wn]
        types: list = []
        if _replay(MLP, mse_loss, Wn, bn, X.tolist(), y.tolist(), lr, 1, Value, types) is None or \
                any(_narrow(v) for v in types[0] + types[1]):
            return      # the documented step with their own pieces narrows too: judged in those cells
        _expect_precision(ps, Value, name, ("grad",), fix)
        return
    _expect_precision(ps, Value, name, ("data",), fix)


def _new_batch_each_call(train_step, MLP, Value, r) -> None:
    """Two calls on ONE model with two batches of other sizes and other targets: the second call is the step of
    its own batch from where the first left the parameters (no state between calls: nothing kept on the model or
    in a global is read again).  Confirmed against the same second call on a fresh model set to those
    parameters, which must give the oracle's step (else the step itself is wrong: named by the cases)."""
    lr1, lr = 0.05, 0.13      # another learning rate for the second call: an lr read once is state too
    batches = [(r.normal(size=(n, 3)), np.tanh(r.normal(size=n)) * s) for n, s in ((4, 1.0), (3, -1.0))]
    model, Ws, bs = _model_for_train(MLP, Value)
    Wn, bn = _set_random(Ws, bs, r)
    (X1, y1), (X2, y2) = batches
    name = (f"train_step(model, xs, ys, lr={lr:g}) called a second time on the same model with a new batch "
            f"({len(X2)} samples, other targets; the first call's batch had {len(X1)}, and lr={lr1:g})")
    _run(lambda: train_step(model, X1.tolist(), y1.tolist(), lr1),
         f"train_step(model, xs, ys, lr={lr1:g}) called a first time on a model")
    _, W1, b1 = _np_train(Wn, bn, X1, y1, lr1, 1)
    if not core.close(_flat_values(Ws, bs), np.concatenate([a.ravel() for a in W1 + b1]), 1e-5, 1e-8):
        return       # the first step is judged by the cases
    raised = None
    try:
        _run(lambda: train_step(model, X2.tolist(), y2.tolist(), lr), name)
    except core.CheckFailure as exc:
        raised = exc
    _, W2, b2 = _np_train(W1, b1, X2, y2, lr, 1)
    want = np.concatenate([a.ravel() for a in W2 + b2])
    if raised is None and core.close(_flat_values(Ws, bs), want, 1e-5, 1e-8):
        return
    fresh, Wf, bf = _model_for_train(MLP, Value)
    _set_values(Wf, bf, W1, b1)
    try:
        _run(lambda: train_step(fresh, X2.tolist(), y2.tolist(), lr), name)
    except core.CheckFailure:
        return
    if not core.close(_flat_values(Wf, bf), want, 1e-5, 1e-8):
        return
    if raised is None:
        _, W2o, b2o = _np_train(W1, b1, X2, y2, lr1, 1)
        if core.close(_flat_values(Ws, bs), np.concatenate([a.ravel() for a in W2o + b2o]), 1e-5, 1e-8):
            fail(f"{name}: it did the step of this batch with the FIRST call's learning rate lr={lr1:g}, not its own "
                 f"lr={lr:g} (a fresh model holding the same parameters takes the right step): the lr is kept "
                 f"between calls (stored on the model, model.lr, in a global or a default argument the first time): "
                 f"state from an earlier call; every call steps with the lr it is given, p.data -= lr * p.grad",
                 "lr-kept-between-calls")
    what = f"raised ({str(raised).split(':', 1)[-1].strip()[:160]})" if raised is not None else "did not do this batch's step"
    fail(f"{name}: it {what}, while the same call on a fresh model holding the same parameters does the right step: "
         f"train_step keeps something from its previous call (targets, predictions or a loss stored on the model, "
         f"in a global or a default argument) and reads it again. Each call uses only its own arguments: the loss of "
         f"THIS batch, mse_loss([model(x) for x in xs], ys)", "state-between-calls")


def _stale_gradients(train_step, MLP, Value, X, y, lr, r) -> None:
    """One step from parameters that still hold gradients of an earlier backward() (as after any training step
    but the first): a right step resets them first, so it is the same step as from zero gradients."""
    model, Ws, bs = _model_for_train(MLP, Value)
    Wn, bn = _set_random(Ws, bs, r)
    objs = [v for Wl in Ws for row in Wl for v in row] + [v for bl in bs for v in bl]
    stale = r.normal(size=len(objs))
    core.scatter(objs, "grad", stale.tolist())
    name = f"train_step(model, xs, ys, lr={lr:g}) with gradients left in the parameters by an earlier backward()"
    _run(lambda: train_step(model, X.tolist(), y.tolist(), lr), name)
    got = _flat_values(Ws, bs)
    _, Wt, bt = _np_train(Wn, bn, X, y, lr, 1)
    want = np.concatenate([a.ravel() for a in Wt + bt])
    if core.close(got, want, 1e-5, 1e-8):
        return
    kept = " (your step is this step's gradient plus the old one)" if core.close(got, want - lr * stale, 1e-5, 1e-8) else ""
    fail(f"{name}: the step is not the step from zero gradients{kept}: the gradients a parameter held before the call "
         f"were not reset before backward(). Call model.zero_grad() at the START of train_step, before backward(); a "
         f"reset at the end of the step leaves the first call with whatever an earlier backward() left there",
         "stale-gradients-kept")


def _train_case(train_step, MLP, Value, mse_loss, X, y, lr, steps, r):
    """``steps`` calls of train_step on a batch (X, y) from random parameters, against the oracle:
    (model, returned losses), or None when the step is right on a wrong model, loss or engine."""
    # A wrong Layer size is repaired from the student's own Neuron class (judged in mlp's cell); a structure that
    # cannot be repaired fails here: skipping train_step's judgement when the MLP is wrong would let a deliberately
    # wrong MLP (1 point) buy an unjudged train_step (2 points)
    model, Ws, bs = _model_for_train(MLP, Value)
    Wn, bn = _set_random(Ws, bs, r)
    xs, ys = X.tolist(), y.tolist()
    replay = None
    got = []
    path = [np.concatenate([a.ravel() for a in Wn + bn])]
    name = f"train_step(model, xs, ys, lr={lr:g}) on a batch of {len(xs)} sample{'s' if len(xs) > 1 else ''}"
    for step in range(steps):
        try:
            value = _run(lambda: train_step(model, xs, ys, lr), name)
        except core.CheckFailure as exc:
            # replayed up to the step that raised: an engine whose wrong values grow until an operation overflows
            # fails in the replay at the same step
            if not _unimplemented(exc) and mse_loss is not None and \
                    _replay(MLP, mse_loss, Wn, bn, xs, ys, lr, step + 1, Value) is None:
                return None    # their model, loss or engine fail here too: judged in those cells
            if "has no attribute 'backward'" in str(exc) and "float" in str(exc):
                # (their mse_loss returns a Value on Values: the replay above went through)
                fail(f"{exc}: the loss train_step built is a plain number, not a Value, although your mse_loss returns "
                     f"a Value for Value predictions: the predictions were turned into numbers (model(x).data or "
                     f"float()) before the loss, so no graph leads back to the parameters; pass the Values model(x) "
                     f"to mse_loss", "loss-from-numbers")
            if "float()" in str(exc) and "Value" in str(exc):
                fail(f"{exc}: a Value is not a number Python can convert; return the loss's number, loss.data",
                     "float-of-value")
            _explain_whole_batch(model, xs, exc)
            raise
        if core.is_instance(value, Value):
            fail("train_step must return the loss as a float (loss.data), not the loss Value",
                 "returns-value-not-float")
        got.append(core.expect_scalar(value, name=f"{name} (the loss)"))
        path.append(_flat_values(Ws, bs))        # the parameters after each step (path[1]: the first step's)
        if len(got) == 1:
            first_p = path[1]                    # after one step from known parameters: the step itself
    losses, Wt, bt = _np_train(Wn, bn, X, y, lr, steps)
    flat = lambda Wl, bl: np.concatenate([a.ravel() for a in Wl + bl])
    got_p = _flat_values(Ws, bs)
    oracle = (losses, flat(Wt, bt))
    if not (core.close(got_p, oracle[1], 1e-5, 1e-8) and core.close(np.array(got), np.array(losses), 1e-5, 1e-8)):
        _explain_inputs_changed(xs, ys, X, y, name)
        if mse_loss is not None:
            replay = _replay(MLP, mse_loss, Wn, bn, xs, ys, lr, steps, Value)
        if replay is not None and not (core.close(replay[1], oracle[1], 1e-5, 1e-8)
                                       and core.close(np.array(replay[0]), np.array(losses), 1e-5, 1e-8)):
            if core.close(got_p, replay[1], 1e-5, 1e-8) and core.close(np.array(got), np.array(replay[0]), 1e-5, 1e-8):
                return None      # the right step on a wrong model, loss or engine: judged in their own cells
            again = _replay(MLP, mse_loss, Wn, bn, xs, ys, lr, steps, Value)
            if again is not None and not core.close(again[1], replay[1], 1e-9, 1e-12) \
                    and core.close(got[0], replay[0][0], 1e-6, 1e-9) and not core.close(got_p, flat(Wn, bn), 0, 1e-12):
                # Their engine gives different gradients on identical graphs (an operation overwrites a
                # gradient, so the order of a set decides): the step cannot be replayed exactly; the loss
                # before the first update agrees and the parameters moved: judged in the operation's cell.
                return None
        if not core.close(got_p, oracle[1], 1e-5, 1e-8):
            if core.close(got_p, flat(Wn, bn), 0, 1e-12):
                _explain_earlier_model_stepped(train_step, model, name)
            _explain_lr_ignored(train_step, MLP, Value, Wn, bn, X, y, lr)
        _explain_loss_per_call(got, path, Wn, bn, X, y, name)
        _explain_steps_skipped(first_p, Wn, bn, X, y, lr, flat)
        _explain_train(got, got_p, Wn, bn, X, y, lr, steps, flat, oracle, first_p, _flat_grads(Ws, bs), path)
    return model, got


#: The check's driver, run in the kernel: where a function keeps objects with .data and .grad (Values) between calls
#: (its default arguments, its attributes, the non-callable globals its code names), with how many, leaving out the
#: parameters of ``owner`` (a module, or the list of its parameters).
_KEPT_VALUES = """
def kept_values(fn, owner):
    own = {id(p) for p in (owner.parameters() if hasattr(owner, "parameters") else owner)}
    def count(v, depth=0):
        if hasattr(v, "data") and hasattr(v, "grad") and not isinstance(v, type):
            return 0 if id(v) in own else 1
        if depth > 2:
            return 0
        if isinstance(v, dict):
            v = list(v.values())
        if isinstance(v, (list, tuple, set)):
            return sum(count(x, depth + 1) for x in v)
        return 0
    found = []
    names = fn.__code__.co_varnames[:fn.__code__.co_argcount]
    for name, v in zip(names[len(names) - len(fn.__defaults__ or ()):], fn.__defaults__ or ()):
        found.append(("the default argument " + name, count(v)))
    for k, v in (fn.__kwdefaults__ or {}).items():
        found.append(("the default argument " + k, count(v)))
    for k, v in vars(fn).items():
        found.append(("the attribute " + fn.__name__ + "." + k, count(v)))
    g = fn.__globals__
    for k in fn.__code__.co_names:
        if k in g and not callable(g[k]) and type(g[k]).__name__ != "module":
            found.append(("the global " + k, count(g[k])))
    return [(w, n) for w, n in found if n]
"""


def _kept_parameters(fn, owner) -> tuple[str, int] | None:
    """Where ``fn`` keeps Values that are not ``owner``'s parameters between calls (see ``_KEPT_VALUES``), or None."""
    try:
        found = core.kernel_functions(_KEPT_VALUES)["kept_values"](fn, owner)
    except Exception:   # a probe that fails says nothing
        return None
    return (str(found[0][0]), int(found[0][1])) if found else None


def _explain_earlier_model_stepped(train_step, model, name: str) -> None:
    """State kept between calls: this model's parameters did not move.  When the function keeps Values that are not
    this model's parameters (in a default argument, an attribute or a global it names), the step went to parameters
    kept from an earlier call (a list filled once, e.g. a mutable default _params=[])."""
    found = _kept_parameters(train_step, model)
    if found:
        where, n = found
        fail(f"{name}: the parameters of the model it was given did not move, and {where} of train_step holds {n} "
             f"Values that are not this model's parameters: train_step keeps parameters from an earlier call (a list "
             f"filled once, e.g. a default argument _params=[], which Python creates once, not at every call) and "
             f"updates those: state kept between calls; every call updates the parameters of the model it is given: "
             f"for p in model.parameters(): p.data -= lr * p.grad", "train-step-kept-parameters")


def _unflat(v: np.ndarray, Wn: list, bn: list) -> tuple[list, list]:
    out, i = [], 0
    for a in Wn + bn:
        out.append(np.asarray(v[i:i + a.size], dtype=float).reshape(a.shape))
        i += a.size
    return out[:len(Wn)], out[len(Wn):]


def _explain_loss_per_call(got: list, path: list, Wn, bn, X, y, name: str) -> None:
    """Property of every call: the loss returned is the MSE of the model's predictions on (xs, ys) with the parameters
    it held when THAT call began (path[k], the student's own path).  Told when the first call's is right and a later
    call's is not: the returned loss mixes in earlier calls."""
    try:
        mse = [float(np.mean((_np_forward(*_unflat(p, Wn, bn), X)[0][-1][:, 0] - y) ** 2)) for p in path[:len(got)]]
    except Exception:   # a probe that fails says nothing
        return
    if not core.close(got[0], mse[0], 1e-6, 1e-9):
        return
    bad = [k for k in range(1, len(got)) if not core.close(got[k], mse[k], 1e-6, 1e-9)]
    if not bad:
        return
    k = bad[0]
    running = all(core.close(got[j], float(np.mean(mse[:j + 1])), 1e-6, 1e-9) for j in range(len(got)))
    total = all(core.close(got[j], float(np.sum(mse[:j + 1])), 1e-6, 1e-9) for j in range(len(got)))
    stale = all(core.close(got[j], mse[0], 1e-6, 1e-9) for j in range(len(got)))
    if not (running or total or stale):
        return      # another wrong loss at a later call: not read as earlier calls' losses
    fail(f"{name}: call {k + 1} returned the loss {got[k]:.6g}, but the mean squared error of the model's predictions "
         f"on (xs, ys) with the parameters it held when that call began is {mse[k]:.6g} (the first call's returned "
         f"loss was right)" + (": every call returned the mean of the losses of all calls so far" if running else
                               ": every call returned the sum of the losses of all calls so far" if total else
                               ": every call returned the first call's loss")
         + ": the returned loss mixes in earlier calls (state kept across calls): return this call's loss before its "
         "update, loss.data, with nothing kept on the model or the function between calls", "train-loss-across-calls")


def _explain_whole_batch(model, xs, exc: core.CheckFailure) -> None:
    """train_step raised a TypeError about a list inside Value(...): when the model raises that same error on the
    whole batch xs, say it takes one sample at a time (the line quoted is inside Value.__init__, not the caller's)."""
    text = str(exc)
    if "raised TypeError" not in text or "'list'" not in text:
        return
    try:
        model(xs)
    except Exception as probe:     # the probe's own error, compared with the one train_step raised
        if core.error_kind(probe) == "TypeError" and str(probe) in text:
            fail(f"{text}: your model raises this same error when it is given the whole batch at once, model(xs): "
                 f"a model takes ONE sample x (a list of {len(xs[0])} numbers) and returns its prediction; call it "
                 f"once per sample, [model(x) for x in xs]", "model-on-whole-batch")


def _explain_inputs_changed(xs, ys, X, y, name) -> None:
    """train_step changed the caller's xs or ys (the lists are the caller's data set): say how."""
    for arg, now, was in (("xs", xs, X), ("ys", ys, y)):
        try:
            now_arr = np.array(now, dtype=float).reshape(was.shape)
        except (TypeError, ValueError):
            fail(f"{name}: after the call its argument {arg} no longer holds {len(was)} numbers of the same shape: "
                 f"train_step changed the caller's list; leave its inputs unchanged", "inputs-modified")
        if np.array_equal(now_arr, was):
            continue
        rows = lambda a: sorted(map(tuple, a.reshape(len(a), -1).tolist()))
        how = ("its samples were reordered in place (a shuffle of the caller's list: the pairs of xs and ys no "
               "longer match, and the caller's data set changed); shuffle a copy of the indices instead, the same "
               "for xs and ys") if rows(now_arr) == rows(was) else "its values were changed in place"
        fail(f"{name}: train_step changed its argument {arg}: {how}; a training step must leave its inputs "
             f"unchanged", "inputs-modified")


def _one_step(train_step, MLP, Value, Wn, bn, xs, ys, lr):
    """The parameter change of one train_step call from known parameters, or None when it fails."""
    try:
        model, Ws, bs = _model_for_train(MLP, Value)
        _set_values(Ws, bs, Wn, bn)
        start = _flat_values(Ws, bs)
        core.call(train_step, model, xs, ys, lr, name="train_step")
        return _flat_values(Ws, bs) - start
    except (core.CheckFailure, Exception):
        return None


def _explain_lr_ignored(train_step, MLP, Value, Wn, bn, X, y, lr) -> None:
    """Two learning rates from the same parameters: a step that does not scale with lr ignores the argument
    (a learning rate written into the function), whatever number it uses instead."""
    xs, ys = X.tolist(), y.tolist()
    a = _one_step(train_step, MLP, Value, Wn, bn, xs, ys, lr)
    b = _one_step(train_step, MLP, Value, Wn, bn, xs, ys, 3 * lr)
    if a is None or b is None or not np.any(a) or not core.close(a, b, 1e-9, 1e-12):
        return
    _, gW, gb = _np_mlp_grads(Wn, bn, X, y)
    g = np.concatenate([v.ravel() for v in gW + gb])
    used = -float(a @ g / (g @ g)) if np.any(g) else 0.0
    seen = f" (it moves the parameters as if lr were {used:.4g})" if used and core.close(a, -used * g, 1e-5, 1e-9) else ""
    fail(f"train_step: the step does not scale with lr: lr={lr:g} and lr={3 * lr:g} move the parameters by exactly "
         f"the same amount{seen}: use the lr argument, p.data -= lr * p.grad (a learning rate written into the "
         f"function?)", "step-ignores-lr")


def _explain_steps_skipped(first_p, Wn, bn, X, y, lr, flat) -> None:
    """The first step from known parameters: every parameter moved by exactly -lr * its gradient except some that
    did not move at all although their gradient is not 0.  Which ones, with their gradients; a threshold on the
    gradient's size is said when the unmoved ones are exactly those with the smallest |grad|."""
    start = flat(Wn, bn)
    _, gW, gb = _np_mlp_grads(Wn, bn, X, y)
    g = flat(gW, gb)
    if first_p is None or first_p.shape != start.shape:
        return
    step = first_p - start
    still = (step == 0) & (g != 0)
    if not still.any() or still.all() or not core.close(step[~still], -lr * g[~still], 1e-6, 1e-10):
        return
    k = int(np.flatnonzero(still)[np.argmax(np.abs(g[still]))])
    small = float(np.abs(g[still]).max()) < float(np.abs(g[~still & (g != 0)]).min(initial=np.inf))
    if not small or 2 * int(still.sum()) > len(g):
        return      # whole layers or most parameters left: the frozen-parameter messages say which
    why = (f" (the parameters left are exactly those with the smallest gradients, all |grad| <= "
           f"{float(np.abs(g[still]).max()):.3g}: a threshold on the gradient's size skips them)")
    fail(f"train_step's first step: {int(still.sum())} of {len(g)} parameters did not move (one of them did not move although its grad was "
         f"{g[k]:.3g}), while every other one moved by exactly "
         f"-lr * grad{why}: every parameter takes the step p.data -= lr * p.grad, however small its gradient",
         "parameters-not-moved")


def _explain_frozen(got_p, start, want, w_shapes, b_shapes, first_p=None) -> None:
    """Some parameters kept their initial values while gradient descent moves them all: name which
    (by layer), whatever the reason (a loop over one layer, a list that misses some, an early return)."""
    frozen = np.isclose(got_p, start, rtol=0, atol=1e-12) & ~np.isclose(want, start, rtol=0, atol=1e-12)
    if first_p is not None:     # back at the start after several steps (steps of +-lr that cancel) is not frozen
        frozen &= np.isclose(first_p, start, rtol=0, atol=1e-12)
    if not frozen.any() or frozen.all():
        return
    moving = ~np.isclose(want, start, rtol=0, atol=1e-12)
    if int((moving & ~frozen).sum()) == 1 and moving.sum() > 1:
        fail(f"train_step: only ONE of the {frozen.size} parameters was updated, the others kept their initial values: "
             f"the update loop stopped after its first parameter: is `return loss.data` (or a break) indented inside "
             f"`for p in model.parameters():`? Update every parameter, then return after the loop",
             "update-loop-stops-after-first")
    sizes = [int(np.prod(s)) for s in w_shapes] + [int(np.prod(s)) for s in b_shapes]
    owner = np.repeat(np.arange(len(sizes)), sizes)
    n_layers = len(w_shapes)
    parts = sorted({f"{'weights' if o < n_layers else 'biases'} of layer {o % n_layers + 1}"
                    for o in owner[frozen]})
    fail(f"train_step: {int(frozen.sum())} of {frozen.size} parameters kept their initial values (the "
         f"{', '.join(parts)}): every parameter of model.parameters() must be updated by -lr * p.grad (a loop over "
         f"one layer's parameters only, or over a list that misses some?)", "params-not-all-updated")


def _explain_sample_left_out(step, Wn, bn, X, y, lr, flat) -> None:
    """The first step is gradient descent on the mean squared error of the batch with one sample left out (a slice
    xs[:-1], a loop over range(len(xs) - 1) or from 1, a zip with a shorter list): say which sample."""
    n = len(X)
    if n < 3:
        return
    for k in range(n):
        keep = [i for i in range(n) if i != k]
        _, gW, gb = _np_mlp_grads(Wn, bn, X[keep], y[keep])
        if core.close(step, -lr * flat(gW, gb), 1e-5, 1e-8):
            which = "the last" if k == n - 1 else "the first" if k == 0 else f"sample {k}"
            fail(f"train_step: the first step is gradient descent on the batch of {n} samples without {which} one "
                 f"(the mean over the other {n - 1}): every sample must enter the loss once; is there a slice such as "
                 f"xs[:-1] / xs[1:], or a loop over range(len(xs) - 1)?", "sample-left-out")


def _explain_first_step(first_p, Wn, bn, X, y, lr, flat, first_loss=None) -> None:
    """What the first update did, from known parameters: a multiple of the gradient (the factor named with N
    and lr when it is one of theirs), or a multiple of the parameters themselves."""
    p0 = flat(Wn, bn)
    loss0, gW, gb = _np_mlp_grads(Wn, bn, X, y)
    g = flat(gW, gb)
    step = first_p - p0
    if not np.any(g) or core.close(step, -lr * g, 1e-5, 1e-8):
        return
    _explain_sample_left_out(step, Wn, bn, X, y, lr, flat)
    moved = np.abs(step) > 1e-12
    if moved.sum() > 2 and np.allclose(np.abs(step[moved]), np.abs(step[moved][0]), rtol=1e-6, atol=0) \
            and not np.allclose(np.abs(g[moved]), np.abs(g[moved][0]), rtol=1e-3, atol=0):
        size = float(np.abs(step[moved][0]))
        how = (f"lr = {lr:g}: the step is -lr * sign(p.grad), the sign of the gradient alone"
               if abs(size - lr) <= 1e-9 * lr and np.all(np.sign(step[moved]) == -np.sign(g[moved])) else f"{size:.4g}")
        fail(f"train_step: the first step moved every parameter by the same amount, {how}, whatever the size of its "
             f"gradient: gradient descent moves each parameter in proportion to its own gradient, "
             f"p.data -= lr * p.grad", "step-size-ignores-gradient")
    for sign, code in ((-1.0, "p.data = -lr * p.grad"), (1.0, "p.data = lr * p.grad")):
        if core.close(first_p, sign * lr * g, 1e-5, 1e-9) and not core.close(p0, 0 * p0, 0, 1e-12):
            fail(f"train_step: after the first step every parameter equals {'-' if sign < 0 else ''}lr * p.grad, the "
                 f"step alone: the old value was thrown away ({code} replaces the parameter, = where -= belongs); "
                 f"the update is p.data -= lr * p.grad", "step-replaces-parameter")
    n = len(X)
    c = float(step @ g / (g @ g))
    if c != 0 and core.close(step, c * g, 1e-5, 1e-9):
        k = c / -lr
        names = {1 / n: f"1/N = 1/{n}: the gradient was divided by the batch size once more (the mean's 1/N is "
                        f"already in the loss, so p.grad already holds it)",
                 float(n): f"N = {n}: the gradient of a sum, not of the mean", lr: f"lr = {lr:g}: lr applied twice",
                 **({} if first_loss is None or not core.close(first_loss, loss0, 1e-6, 1e-9) else {
                     2.0: "2, while the loss it returned is right: every gradient was doubled. Gradients accumulate with "
                      "+=, so a second loss.backward() (or a second backward pass over the same loss) adds them "
                      "again: call backward() once per step"}),
                 1 / lr: f"1/lr = {1 / lr:g}: the step is p.grad alone, lr is left out",
                 1 / lr ** 2: f"1/lr**2 = {1 / lr ** 2:g}: the step is p.grad / lr, the gradient divided by the "
                              f"learning rate where it is multiplied by it"}
        for value, words in names.items():
            if n > 1 or value not in (1 / n, float(n)):
                if abs(k - value) <= 1e-6 * abs(value):
                    fail(f"train_step: the first step moved every parameter by {k:.4g} * (-lr * p.grad), a factor "
                         f"{words}; the update is p.data -= lr * p.grad", "step-scaled")
        if first_loss is not None and core.close(first_loss, loss0, 1e-6, 1e-9):
            fail(f"train_step: the first step moved every parameter by {k:.4g} * (-lr * p.grad) instead of -lr * p.grad, "
                 f"while the loss it returned is right: the factor {k:.4g} is in the update line (p.data -= lr * "
                 f"p.grad) or in the gradients backward() left, not in the loss's value", "step-scaled")
        fail(f"train_step: the first step moved every parameter by {k:.4g} * (-lr * p.grad) instead of "
             f"-lr * p.grad: a factor too many or too few in the update (or in the loss)", "step-scaled")
    live = np.abs(g) > 1e-8
    if live.sum() > 2:
        ratio = step[live] / (-lr * g[live])    # what multiplies -lr * p.grad, parameter by parameter
        if core.close(ratio, p0[live], 1e-5, 1e-9) and not np.allclose(p0[live], p0[live][0]):
            fail("train_step: the first step moved each parameter by -lr * p.grad * p.data (the step divided by "
                 "-lr * p.grad equals the parameter's own value, at every parameter): the update must be "
                 "-lr * p.grad, with nothing else multiplied in (p.data -= lr * p.grad)", "step-times-data")
    d = float(step @ p0 / (p0 @ p0))
    if d != 0 and core.close(step, d * p0, 1e-5, 1e-9):
        fail(f"train_step: the first step moved every parameter by {d:.4g} * p.data, in proportion to the "
             f"parameter's own value, not to its gradient: the update is p.data -= lr * p.grad (p.data used where "
             f"p.grad belongs?)", "step-uses-data")


def _explain_pairs(first_p, Wn, bn, X, y, lr, flat) -> None:
    """(x, y) pairs intact: the first step from known parameters equals gradient descent on the same samples with
    the targets given to other inputs (each order of the targets tried; the batches here have at most 5 samples)."""
    import itertools
    n = len(X)
    if n < 2 or n > 6:
        return
    for perm in itertools.permutations(range(n)):
        yp = y[list(perm)]
        if np.allclose(yp, y) or any(core.close(yp, t(np.asarray(y, float)), 1e-9, 1e-12) for _, t in _TARGET_MAPS):
            continue    # the same targets as a transform of ys (-y of 1, -1, -1, 1): _explain_targets_changed says both
        _, W1, b1 = _np_train(Wn, bn, X, yp, lr, 1)
        if core.close(first_p, flat(W1, b1), 1e-5, 1e-8):
            how = "in reversed order" if list(perm) == list(range(n))[::-1] else "in another order"
            order = ", ".join(f"ys[{j}]" for j in perm)
            fail(f"train_step: the first step equals gradient descent on the mean squared error with the targets "
                 f"{how} (model(xs[0]), model(xs[1]), ... compared with {order}): the pairs (x, y) were broken; compare "
                 f"model(xs[i]) with ys[i] (reversed, sorted or shuffled xs or ys alone, or a shuffle of the "
                 f"caller's list?)", "pairs-broken")


#: Transforms of the targets a loss or a training step may apply by mistake (a label mapping done again, a cast):
#: asked of mse_loss and of train_step, each confirmed on two batches or on the loss and every parameter.
_TARGET_MAPS = (("2y - 1", lambda v: 2 * v - 1), ("(y + 1) / 2", lambda v: (v + 1) / 2), ("-y", lambda v: -v),
                ("1 - y", lambda v: 1 - v), ("y > 0 (0 or 1)", lambda v: (v > 0).astype(float)),
                ("sign(y)", np.sign), ("round(y)", np.round), ("int(y)", np.trunc))


def _explain_targets_changed(first_p, Wn, bn, X, y, lr, flat, first_loss) -> None:
    """The first step equals gradient descent on the mean squared error against TRANSFORMED targets (a label mapping
    such as 2y - 1 applied again inside train_step, a sign flip), and the loss it returned is that mean squared error
    too: both the parameters (every one) and the loss confirm the targets it used."""
    y = np.asarray(y, dtype=float)
    for expr, t in _TARGET_MAPS:
        ty = t(y)
        if core.close(ty, y, 1e-9, 1e-12):
            continue
        losses, W1, b1 = _np_train(Wn, bn, X, ty, lr, 1)
        if not core.close(first_p, flat(W1, b1), 1e-5, 1e-8):
            continue
        if first_loss is not None and not core.close(float(first_loss), float(losses[0]), 1e-6, 1e-9):
            continue
        also = (" (on these ys that is also ys in another order: either the targets were transformed or the pairs "
                "(x, y) were broken)" if len(y) > 1 and core.close(np.sort(ty), np.sort(y), 1e-9, 1e-12) else "")
        fail(f"train_step: the first step equals gradient descent on the mean squared error against the targets "
             f"{expr} (ys = {', '.join(f'{v:g}' for v in y)} became {', '.join(f'{v + 0.0:g}' for v in ty)}){also}"
             + (f", and the loss it returned, {float(first_loss):.6g}, is that mean squared error" if first_loss
                is not None else "")
             + (": compare model(xs[i]) with ys[i] as the caller passes them" if also else
                ": the targets were changed inside train_step; use ys as the caller passes them (any mapping of "
                "labels is the caller's, done once)")
             + ": loss = mse_loss([model(x) for x in xs], ys)", "targets-changed")


def _explain_step_drift(first_p, Wn, bn, X, y, lr, flat) -> None:
    """Each parameter's first step is c_k * (-lr * p.grad) with c_k changing steadily along the parameters (a
    learning rate changed inside the update loop: the first parameters get the full step, later ones less)."""
    _, gW, gb = _np_mlp_grads(Wn, bn, X, y)
    g = flat(gW, gb)
    step = first_p - flat(Wn, bn)
    big = np.abs(g) > 1e-6
    if big.sum() < 4:
        return
    c = step[big] / (-lr * g[big])
    if np.allclose(c, c[0], rtol=1e-6) or np.any(c <= 0):
        return
    cs = np.sort(c)[::-1]
    q = cs[1:] / cs[:-1]
    geometric = len(cs) == len(np.unique(np.round(cs, 9))) and np.allclose(q, q[0], rtol=1e-5) \
        and core.close(cs[0], 1.0, 1e-6, 1e-9)
    how = (f": the parameters' steps are lr, lr * {q[0]:.4g}, lr * {q[0]:.4g}^2, ... (lr multiplied by {q[0]:.4g} after "
           f"each parameter: lr changed inside the update loop?)" if geometric else
           " (a learning rate or a factor changed inside the update loop?)")
    fail(f"train_step: the first step moved every parameter in the direction of -lr * p.grad but by different "
         f"multiples of it, from {cs[-1]:.4g} to {cs[0]:.4g} times{how}; every parameter moves by -lr * p.grad with the "
         f"same lr", "step-size-differs-between-parameters")


def _explain_weight_decay(first_p, Wn, bn, X, y, lr, flat) -> None:
    """The first step is -lr * (p.grad + c * p.data) with one constant c > 0: the loss had a term (c / 2) * sum p ** 2
    (an L2 penalty, weight decay) that the lab's train_step does not have."""
    _, gW, gb = _np_mlp_grads(Wn, bn, X, y)
    g, p0 = flat(gW, gb), flat(Wn, bn)
    extra = -(first_p - p0) / lr - g         # what was added to each gradient
    if p0 @ p0 == 0:
        return
    c = float(extra @ p0 / (p0 @ p0))
    if c > 0 and core.close(extra, c * p0, 1e-3, 1e-9) and not core.close(extra, 0 * p0, 0, 1e-9):
        fail(f"train_step: the first step is -lr * (p.grad + {c:.4g} * p.data) for every parameter: the loss that was "
             f"differentiated has an extra term {c / 2:.4g} * sum(p ** 2) over the parameters (an L2 penalty, weight "
             f"decay), or the update adds it; the lab's train_step minimises the mean squared error alone: loss = "
             f"mse_loss([model(x) for x in xs], ys), backward(), p.data -= lr * p.grad", "weight-decay-added")


def _explain_other_loss(got, oracle, Wn, bn, X, y) -> None:
    """The loss train_step returned at the first step is not the mean squared error of the model it was given (its
    value is computed before the update): another loss was minimised."""
    if not got or core.close(float(got[0]), float(oracle[0][0]), 1e-6, 1e-9):
        return
    scores = _np_forward(Wn, bn, X)[0][-1][:, 0]
    hinge = float(np.mean(np.maximum(0.0, 1.0 - y * scores)))
    which = (" It is the hinge loss mean(relu(1 - y * score)) of micrograd's demo (a classifier's loss)."
             if core.close(float(got[0]), hinge, 1e-6, 1e-9) else "")
    fail(f"train_step: the loss it returned at the first step is {float(got[0]):.6g}, but the mean squared error of "
         f"the model's predictions on (xs, ys) before that step is {float(oracle[0][0]):.6g}, and the parameters "
         f"differ from gradient descent on the mean squared error: another loss was minimised.{which} train_step "
         f"minimises loss = mse_loss([model(x) for x in xs], ys)", "train-step-other-loss")


def _explain_large_gradients(first_p, Wn, bn, X, y, lr, flat) -> None:
    """The first step is exactly -lr * p.grad for the parameters with small gradients and wrong for exactly those
    with |p.grad| above some value: the large gradients were changed (clipped to that value when they moved by
    lr times it)."""
    _, gW, gb = _np_mlp_grads(Wn, bn, X, y)
    g = flat(gW, gb)
    step = first_p - flat(Wn, bn)
    ok = np.isclose(step, -lr * g, rtol=1e-5, atol=1e-9)
    if ok.all() or not ok.any():
        return
    a = np.abs(g)
    if not a[~ok].min() > a[ok].max():
        return
    moved = np.abs(step[~ok]) / lr
    c = float(np.median(moved))
    clipped = np.allclose(moved, c, rtol=1e-5) and np.all(np.sign(step[~ok]) == -np.sign(g[~ok]))
    fail(f"train_step: the first step is exactly -lr * p.grad for the {int(ok.sum())} parameters whose |p.grad| is "
         f"at most {a[ok].max():.4g}, and wrong for the {int((~ok).sum())} whose |p.grad| is larger"
         + (f": those moved by lr * {c:.4g} only, their gradient clipped to [-{c:.4g}, {c:.4g}]" if clipped else "")
         + "; plain gradient descent uses every gradient as it is, p.data -= lr * p.grad", "large-gradients-changed")


def _explain_pairs_broken(step, start, grad_at, y, lr, k) -> None:
    """Step ``k`` is not -lr times the gradient of the given pairs (x_i, y_i): when it is -lr times the gradient of
    the same inputs with their targets in another order (every order of a small batch tried), the pairs were broken
    (xs and ys shuffled separately, one of them reversed or sorted)."""
    n = len(y)
    if n > 6:
        return      # too many orders to try (equal targets: an order that keeps the batch gives the right step)
    for perm in itertools.permutations(range(n)):
        if list(perm) == list(range(n)):
            continue
        if core.close(step, -lr * grad_at(start, np.asarray(y)[list(perm)]), 1e-5, 1e-8):
            fail(f"train_step: step {k} is the gradient step of the batch with its targets in another order "
                 f"(model(xs[0]), model(xs[1]), ... compared with {', '.join(f'ys[{j}]' for j in perm)}): the pairs "
                 f"(xs[i], ys[i]) were broken; the loss is "
                 f"not that of the pairs you were given (xs and ys shuffled separately, or one of them reordered?). "
                 f"Keep each x with its own target: shuffle the indices once and index both lists with them, or do "
                 f"not shuffle at all", "pairs-broken")


def _explain_later_steps(path, Wn, bn, X, y, lr, flat) -> None:
    """The first step is right and a later one is not.  Each step is judged from the parameters where it starts
    (path[k - 1], the student's own): it must be -lr times the gradient there, whatever happened before.  What the
    step adds on top of that is compared with what a state kept between calls gives: gradients not reset (of every
    parameter, or of some layers only: named by layer) or a velocity (a multiple of the previous step)."""
    shapes = [w.shape for w in Wn] + [b.shape for b in bn]
    sizes = [int(np.prod(sh)) for sh in shapes]
    n_layers = len(Wn)

    def grad_at(v, targets=y):
        parts = np.split(v, np.cumsum(sizes)[:-1])
        arrays = [a.reshape(sh) for a, sh in zip(parts, shapes)]
        _, gW, gb = _np_mlp_grads(arrays[:n_layers], arrays[n_layers:], X, targets)
        return flat(gW, gb)

    grads = [grad_at(v) for v in path[:-1]]
    for k in range(1, len(path)):
        step, g = path[k] - path[k - 1], grads[k - 1]
        if core.close(step, -lr * g, 1e-5, 1e-8):
            continue
        _explain_pairs_broken(step, path[k - 1], grad_at, y, lr, k)
        if k == 1:
            return      # the first step is wrong: said by the first-step analyses
        extra = step + lr * g
        prev = path[k - 1] - path[k - 2]
        kept = -lr * np.sum(grads[:k - 1], axis=0)        # what the gradients of the earlier steps add
        is_kept = np.isclose(extra, kept, rtol=1e-5, atol=1e-9) & ~np.isclose(kept, 0, rtol=0, atol=1e-9)
        is_reset = np.isclose(extra, 0, rtol=0, atol=1e-9)
        if np.all(is_kept):
            # a velocity with factor exactly 1 is the same numbers: said as the simpler cause
            fail(f"train_step: the first step is right, but step {k} adds the earlier steps' gradients to its own "
                 f"(-lr * the sum of the gradients of steps 1 to {k}): the gradients were not reset before step {k} "
                 f"(backward() accumulates with +=): model.zero_grad() is missing or skipped on some calls (a counter, "
                 f"a condition?); call it at the start of every step, before backward()", "grads-not-reset-before-step")
        if is_kept.any() and np.all(is_kept | is_reset):
            owner = np.repeat(np.arange(len(sizes)), sizes)
            parts = [f"{'weights' if o < n_layers else 'biases'} of layer {o % n_layers + 1}"
                     for o in sorted({int(o) for o in owner[is_kept]}, key=lambda o: (o % n_layers, o))]
            some = "" if not (is_reset & ~np.isclose(kept, 0, rtol=0, atol=1e-9)).any() else \
                " (the other parameters' gradients were reset)"
            fail(f"train_step: the first step is right, but from step {k} on the gradients of the "
                 f"{', '.join(parts)} are not reset between steps{some}: their step adds the earlier steps' "
                 f"gradients (backward() accumulates with +=). Reset every parameter of the model at the start of "
                 f"each step: model.zero_grad() (not one layer's, not a list that misses some)",
                 "grads-not-reset-for-some-parameters")
        c = float(extra @ prev / (prev @ prev)) if np.any(prev) else 0.0
        if c > 0 and core.close(extra, c * prev, 1e-5, 1e-8):
            fail(f"train_step: the first step is right (-lr * p.grad), but step {k} is -lr * p.grad plus {c:.4g} "
                 f"times the previous step: a velocity (momentum) kept between calls. train_step is plain gradient "
                 f"descent: each step is -lr * p.grad from this step's gradient alone, with no state kept on the "
                 f"model or the Values from one call to the next", "state-kept-between-steps-momentum")
        analysis, _ = core.analyse_difference(path[k], path[k - 1] - lr * g, 1e-5, 1e-8)
        fail(f"train_step: the first step is right (-lr * p.grad from the starting parameters) but step {k} is "
             f"not -lr * p.grad from the parameters where it starts: something is kept from one call to the next (a "
             f"gradient not reset, a velocity or a changed learning rate stored on the model or the Values?): the "
             f"parameters after step {k}: {analysis}", "state-kept-between-steps")


def _mean_losses(got, want) -> bool:
    """Are the losses train_step returned those of ``want`` (the mean squared errors of the same steps)?"""
    try:
        g = np.array(got, dtype=float)
    except (TypeError, ValueError):
        return False
    return g.shape == np.shape(want) and core.close(g, np.array(want, dtype=float), 1e-5, 1e-8)


def _explain_unchanged(grads_after, g) -> None:
    """The parameters never moved: what their .grad holds after train_step tells where the step stopped."""
    if grads_after is None or grads_after.shape != g.shape or not np.any(g != 0):
        return
    if np.all(grads_after == 0):
        fail("train_step did not change the parameters, and after it every p.grad is still 0: the gradients never "
             "reached the parameters. Call loss.backward(), which runs the _backward of every node of the graph in "
             "reverse topological order (loss._backward() alone runs only the last operation's), and no zero_grad() "
             "between backward() and the update", "grads-never-reached-params")
    if core.close(grads_after, g, 1e-5, 1e-8):
        fail("train_step did not change the parameters although their gradients are right (p.grad after the call is "
             "the gradient of the mean squared error): the update is missing or does not write into the parameters: "
             "p.data -= lr * p.grad for every p in model.parameters()", "update-missing")


def _explain_train(got, got_p, Wn, bn, X, y, lr, steps, flat, oracle, first_p=None, grads_after=None,
                   path=None) -> None:
    wrong = {
        "the gradients are not reset between steps: call model.zero_grad() before backward() "
        "(gradients accumulate)": _np_train(Wn, bn, X, y, lr, steps, reset=False),
        "the update goes uphill: p.data -= lr * p.grad (gradient descent), not +=":
            _np_train(Wn, bn, X, y, lr, steps, sign=-1.0),
        "the learning rate lr is ignored: p.data -= lr * p.grad": _np_train(Wn, bn, X, y, 1.0, steps),
        "the update uses the gradients of the previous step: call loss.backward() before updating the "
        "parameters (and zero_grad() before backward())": _np_train(Wn, bn, X, y, lr, steps, lag=True),
    }
    if len(X) > 1:
        wrong["the parameters are updated after every sample (one gradient step per sample, online SGD): "
              "train_step takes ONE step per call, on the mean squared error over the whole batch: the loss over "
              "all of xs (mse_loss([model(x) for x in xs], ys)), backward() once, then one update"] = \
            _np_online(Wn, bn, X, y, lr, steps)
        wrong["the gradient is N times that of the mean squared error: the loss was summed over the batch (the sum "
              "of the squared errors, or backward() once per sample, whose gradients add up); use the mean over "
              "the whole batch (mse_loss) and call backward() once"] = _np_train(Wn, bn, X, y, lr * len(X), steps)
    ok_p = core.close(got_p, oracle[1], 1e-5, 1e-8)
    if not ok_p:
        for msg, (L2, W2, b2) in wrong.items():
            if core.close(got_p, flat(W2, b2), 1e-5, 1e-8):
                if msg.startswith("the gradient is N times") and _mean_losses(got, L2):
                    fail(f"train_step: each step is {len(X)} times -lr * p.grad (N = {len(X)} samples), although the "
                         f"losses you return are the mean squared errors, the right loss: the factor N is not in the "
                         f"loss but in the update; a factor len(xs) in the update line? plain gradient descent is "
                         f"p.data -= lr * p.grad, the 1/N already being in the mean's gradient", "step-times-n")
                fail(f"train_step: {msg}", core.slug(msg))
        if core.close(got_p, flat(Wn, bn), 0, 1e-12):
            _explain_unchanged(grads_after, flat(*_np_mlp_grads(Wn, bn, X, y)[1:]))
            fail("train_step did not change the parameters: update every p.data by -lr * p.grad, after "
                 "loss.backward() (a zero_grad() between backward() and the update erases the gradients)",
                 "params-unchanged")
        one = _np_train(Wn, bn, X[-1:], y[-1:], lr, steps)
        if core.close(got_p, flat(one[1], one[2]), 1e-5, 1e-8):
            fail("train_step: the loss must be over the whole batch xs, ys (the step used the last sample only)",
                 "loss-last-sample-only")
        first = _np_train(Wn, bn, X[:1], y[:1], lr, steps)
        if len(X) > 1 and core.close(got_p, flat(first[1], first[2]), 1e-5, 1e-8):
            fail("train_step: the loss must be over the whole batch xs, ys: your steps equal gradient descent on the "
                 "first sample alone (xs[0], ys[0]); mse_loss([model(x) for x in xs], ys)", "loss-first-sample-only")
        _explain_frozen(got_p, flat(Wn, bn), oracle[1], [w.shape for w in Wn], [b.shape for b in bn], first_p)
        if first_p is not None:
            _explain_first_step(first_p, Wn, bn, X, y, lr, flat, got[0] if got else None)
            _explain_pairs(first_p, Wn, bn, X, y, lr, flat)
            _explain_targets_changed(first_p, Wn, bn, X, y, lr, flat, got[0] if got else None)
            _explain_large_gradients(first_p, Wn, bn, X, y, lr, flat)
            _explain_weight_decay(first_p, Wn, bn, X, y, lr, flat)
            _explain_step_drift(first_p, Wn, bn, X, y, lr, flat)
        if path is not None:
            _explain_later_steps(path, Wn, bn, X, y, lr, flat)
        _explain_other_loss(got, oracle, Wn, bn, X, y)
        analysis, _ = core.analyse_difference(got_p, oracle[1], 1e-5, 1e-8)
        fail(f"train_step: after {steps} steps on a batch of {len(X)} the parameters differ from plain gradient "
             f"descent on the mean squared error (check the loss, zero_grad, backward and the update): the flat "
             f"parameter vector: {analysis}", "train-step-differs")
    g = np.array(got, dtype=float)
    if len(g) > 1 and np.all(g == g[0]) and not core.close(np.array(oracle[0]), oracle[0][0] + 0 * np.array(oracle[0]),
                                                           1e-5, 1e-8):
        seed = " (1.0 is loss.grad after backward(), the root's seed)" if g[0] == 1.0 else ""
        fail(f"train_step returned {g[0]:.6g} at every step while the loss changes ({oracle[0][0]:.4g} -> "
             f"{oracle[0][-1]:.4g}): it does not return the loss{seed}; return loss.data, the loss computed before "
             f"the update", "returns-constant")
    core.expect_close(np.array(got), np.array(oracle[0]), name="the losses returned by train_step",
                      rtol=1e-5, atol=1e-8,
                      diagnose={"train_step must return the loss computed *before* the update":
                                _np_train(Wn, bn, X, y, lr, steps + 1)[0][1:]})


