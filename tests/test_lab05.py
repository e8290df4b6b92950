"""Lab 05 (scalar autograd): the hidden checks, their oracles, and the notebook's fallbacks."""
from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from autograder import harness, notebooks
from autograder.checks import core
from autograder.checks import lab05 as checks
from autograder.paths import source_notebook
from autograder.zoo import lab05 as zoo

LAB = "lab05-autograd"


# --------------------------------------------------------------------------- checker oracles
@pytest.mark.parametrize("t,n_leaves,n_ops", [(0, 2, 6), (1, 3, 25), (2, 5, 60)])
def test_graph_oracle_matches_finite_differences(ns, t, n_leaves, n_ops):
    """The adjoints the backward() checks expect are the true derivatives of the graph."""
    g = checks._Graph(ns["Value"], core.rng(f"test:{t}"), n_leaves, n_ops)
    x = np.array([g.nodes[i].data for i in range(n_leaves)], dtype=np.float64)
    num = core.numerical_gradient(lambda v: g.evaluate(v), x)
    assert np.allclose(g.adjoints()[:n_leaves], num, rtol=1e-5, atol=1e-6)
    assert math.isclose(g.evaluate(x), g.nodes[g.root].data, rel_tol=1e-12)


def test_graphs_contain_reuse_and_diamonds(ns):
    """The random graphs really exercise the cases the issue names."""
    g = checks._Graph(ns["Value"], core.rng("lab05:backward:3"), 5, 60)
    uses = np.zeros(len(g.nodes), int)
    for ps in g.parents:
        for p in ps:
            uses[p] += 1
    assert any(len(ps) == 2 and ps[0] == ps[1] for ps in g.parents), "a node used twice by one op"
    assert (uses[sorted(g.reachable())] >= 2).sum() >= 3, "several nodes feeding two consumers"


@pytest.mark.parametrize("plan", checks._ZERO_PLANS)
def test_zero_branch_graphs_have_zero_and_nonzero_gradients(ns, plan):
    """The zero-branch graphs: the oracle is the true derivative, a*b, a and b have gradient exactly 0, and d, e
    (visited after them by a depth-first sort in one of the two orders) do not."""
    g = checks._Graph(ns["Value"], core.rng("test:zero"), 0, 0, ordered=True, plan=plan)
    x = np.array(plan[0], dtype=np.float64)
    num = core.numerical_gradient(lambda v: g.evaluate(v), x)
    adj = g.adjoints()
    assert np.allclose(adj[:5], num, rtol=1e-5, atol=1e-6)
    assert adj[0] == adj[1] == adj[5] == 0.0 and adj[3] != 0 and adj[4] != 0
    assert tuple(g.nodes[g.root]._prev) == tuple(g.nodes[p] for p in plan[1][-1][1:])


def test_train_oracle_gradients_match_finite_differences():
    r = np.random.default_rng(0)
    sizes = [3, 4, 4, 1]
    Wn = [r.normal(size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    bn = [r.normal(size=(1, b)) for b in sizes[1:]]
    X, y = r.normal(size=(5, 3)), r.normal(size=5)
    _, gW, gb = checks._np_mlp_grads(Wn, bn, X, y)
    for L in range(3):
        num = core.numerical_gradient(lambda _: checks._np_mlp_grads(Wn, bn, X, y)[0], Wn[L])
        assert np.allclose(gW[L], num, rtol=1e-5, atol=1e-7)
        num = core.numerical_gradient(lambda _: checks._np_mlp_grads(Wn, bn, X, y)[0], bn[L])
        assert np.allclose(gb[L], num, rtol=1e-5, atol=1e-7)


# --------------------------------------------------------------------------- checks vs solution
def test_every_check_accepts_the_reference(ns):
    V = ns["Value"]
    for fn in (checks.value_init, checks.add, checks.mul, checks.power, checks.sub_neg, checks.div,
               checks.tanh, checks.exp_log, checks.relu, checks.backward, checks.backward_reuse,
               checks.backward_deep, checks.backward_repeat):
        fn(V)
    checks.neuron(ns["Neuron"], V)
    checks.mlp(ns["MLP"], ns["Layer"], V)
    checks.zero_grad(ns["MLP"], V, ns["Module"])
    checks.mse(ns["mse_loss"], V)
    checks.train_step(ns["train_step"], ns["MLP"], V, ns["mse_loss"])


def test_closure_bug_zeroes_every_gradient_and_is_named(ns):
    """The source material's bug, written out: `out._backward = _backward` inside _backward."""
    V = ns["Value"]

    class Broken(V):
        def __mul__(self, other):
            other = other if isinstance(other, V) else Broken(other)
            out = Broken(self.data * other.data, (self, other), "*")

            def _backward():
                self.grad += other.data * out.grad
                other.grad += self.data * out.grad
                out._backward = _backward
            return out

    a, b = Broken(2.0), Broken(3.0)
    c = a * b
    c.backward()
    assert (a.grad, b.grad) == (0.0, 0.0)
    with pytest.raises(core.CheckFailure, match="indented inside _backward"):
        checks.mul(Broken)


def test_recursive_backward_is_rejected_by_name(ns):
    V = ns["Value"]

    class Recursive(V):
        def backward(self):
            topo, seen = [], set()

            def build(v):
                if v not in seen:
                    seen.add(v)
                    for p in v._prev:
                        build(p)
                    topo.append(v)
            build(self)
            self.grad = 1.0
            for v in reversed(topo):
                v._backward()

    with pytest.raises(core.CheckFailure, match="recursion limit"):
        checks.backward_deep(Recursive)


def test_an_always_equal_object_does_not_pass(ns):
    class Liar:
        data = grad = 0.0

        def __eq__(self, other):
            return True

    V = ns["Value"]

    class Lying(V):
        def __add__(self, other):
            return Liar()

    with pytest.raises(core.CheckFailure, match="must return a Value"):
        checks.add(Lying)


# --------------------------------------------------------------------------- one mistake, one deduction
def _with(ns, **methods):
    """A fresh reference Value class with some methods replaced (the others build the same class)."""
    V = harness.solution_namespace(LAB)["Value"]
    for name, fn in methods.items():
        setattr(V, name, fn)
    return V


def test_derived_operations_are_judged_on_the_students_own_primitives(ns):
    def swapped_mul(self, other):
        other = other if isinstance(other, type(self)) else type(self)(other)
        out = type(self)(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += self.data * out.grad
            other.grad += other.data * out.grad
        out._backward = _backward
        return out
    Patched = _with(ns, __mul__=swapped_mul)
    with pytest.raises(core.CheckFailure, match="swapped"):
        checks.mul(Patched)
    checks.sub_neg(Patched)       # -a = a * -1 inherits the wrong *, judged in the * cell only
    checks.div(Patched)


def test_backward_reuse_judges_the_traversal_not_the_operations(ns):
    def overwriting_add(self, other):
        other = other if isinstance(other, type(self)) else type(self)(other)
        out = type(self)(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad = out.grad
            other.grad = out.grad
        out._backward = _backward
        return out
    Patched = _with(ns, __add__=overwriting_add)
    with pytest.raises(core.CheckFailure, match="accumulate"):
        checks.add(Patched)
    checks.backward_reuse(Patched)


def test_visited_by_value_is_named(ns):
    def backward(self):
        topo, seen = [], set()
        stack = [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                topo.append(node)
            elif node.data not in seen:
                seen.add(node.data)
                stack.append((node, True))
                stack.extend((p, False) for p in node._prev)
        for node in topo:
            if node._prev:
                node.grad = 0.0
        self.grad += 1.0
        for node in reversed(topo):
            node._backward()
    with pytest.raises(core.CheckFailure, match="not their .data"):
        checks.backward(_with(ns, backward=backward))


def test_train_step_is_replayed_on_a_wrong_loss(ns):
    def summed(preds, targets):
        return sum((p - t) ** 2 for p, t in zip(preds, targets))
    with pytest.raises(core.CheckFailure, match="mean over the batch"):
        checks.mse(summed, ns["Value"])
    local = dict(ns)
    local["mse_loss"] = summed
    exec(compile(textwrap.dedent('''
        def train_step(model, xs, ys, lr):
            model.zero_grad()
            loss = mse_loss([model(x) for x in xs], ys)
            loss.backward()
            for p in model.parameters():
                p.data -= lr * p.grad
            return loss.data
    '''), "train_step", "exec"), local)
    with pytest.raises(core.CheckFailure):
        checks.train_step(local["train_step"], ns["MLP"], ns["Value"])          # against the oracle alone
    checks.train_step(local["train_step"], ns["MLP"], ns["Value"], summed)      # the step itself is right


def test_zero_grad_is_judged_on_a_mock_module(ns):
    class Broken(ns["Neuron"]):
        def parameters(self):
            return [self.w, self.b]                     # nested: Neuron's mistake
    checks.zero_grad(ns["MLP"], ns["Value"], ns["Module"])

    class BadModule(ns["Module"]):
        def zero_grad(self):
            for p in self.parameters():
                p.data = 0.0
    with pytest.raises(core.CheckFailure, match="not p.data"):
        checks.zero_grad(ns["MLP"], ns["Value"], BadModule)
    assert Broken


def test_a_stub_is_never_excused(ns):
    """Skipping a case because the student's other operations fail never covers NotImplementedError."""
    def stub(self, *args):
        raise NotImplementedError()
    with pytest.raises(core.CheckFailure, match="not implemented"):
        checks.sub_neg(_with(ns, __neg__=stub, __sub__=stub, __rsub__=stub))
    with pytest.raises(core.CheckFailure, match="not implemented"):
        checks.div(_with(ns, __truediv__=stub, __rtruediv__=stub, __pow__=stub))


def test_solution_and_key_mutants_through_the_harness():
    """Full marks for the reference; the issue's headline mutants lose points, by name."""
    wanted = {"_backward assigned inside its own closure (__mul__)", "recursive topological sort",
              "gradients not reset between steps", "interior grads not reset (repeated backward doubles counts)"}
    patches = [p for p in zoo.MUTANTS if p.name in wanted]
    assert len(patches) == len(wanted)
    runs = [()] + [(p,) for p in patches]
    with ThreadPoolExecutor(2) as pool:
        outs = list(pool.map(lambda ps: harness.grade_direct(LAB, ps), runs))
    assert outs[0].score == outs[0].max_score == 20, outs[0].messages()
    for p, out in zip(patches, outs[1:]):
        assert out.score < out.max_score, p.name
        assert any(e.lower() in m.lower() for m in out.messages() for e in p.expect), (p.name, out.messages())


def test_zoo_size():
    assert len(zoo.MUTANTS) >= 40 and len(zoo.VARIANTS) >= 10


# --------------------------------------------------------------------------- notebook fallbacks
def _cells(pred) -> str:
    nb = notebooks.read(source_notebook(LAB))
    return "\n\n".join(notebooks.executable(c.source) for c in nb.cells
                       if c.cell_type == "code" and pred(c))


def _run_script(tmp_path: Path, body: str, env_extra: dict) -> subprocess.CompletedProcess:
    script = tmp_path / "run.py"
    script.write_text(body)
    env = {**os.environ, "MPLBACKEND": "Agg", **env_extra}
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=300)


def test_notebook_runs_without_dot_and_without_torch(tmp_path):
    """Every code cell (grading budget) with `dot` off the PATH and torch unimportable:
    clear messages, no error, results still computed."""
    nb = notebooks.read(source_notebook(LAB))
    code = [notebooks.executable(c.source) for c in nb.cells if c.cell_type == "code"]
    body = textwrap.dedent("""
        import sys
        sys.modules["torch"] = None          # `import torch` raises ImportError
        import shutil
        assert shutil.which("dot") is None
        ns = {"__name__": "__main__", "display": print}
        CELLS = %r
        for src in CELLS:
            exec(compile(src, "<cell>", "exec"), ns)
        print("RESULTS", ns["results"])
    """) % (code,)
    empty = tmp_path / "bin"
    empty.mkdir()
    proc = _run_script(tmp_path, body, {"PATH": str(empty), "NBGRADER_EXECUTION": "autograde"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "`dot` was not found" in proc.stdout
    assert "PyTorch is NOT installed" in proc.stdout
    assert "RESULTS {'final_loss'" in proc.stdout


def test_graph_pdf_is_rendered_by_graphviz(tmp_path):
    """With dot available: the drawing renders, and the report copy is a PDF in the lab's folder."""
    import shutil
    if shutil.which("dot") is None:
        pytest.fail("the Graphviz program `dot` is required by the course setup (apt-get install graphviz)")
    body = _cells(lambda c: "setup" in c.metadata.get("tags", []) or notebooks.is_solution(c)
                  or "graphviz" in c.metadata.get("tags", []))
    body += "\nassert build_graph(out).pipe(format='pdf').startswith(b'%PDF')\nprint('OK')\n"
    report = tmp_path / "report"
    proc = _run_script(tmp_path, body, {"NNLAB_REPORT_DIR": str(report)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "OK" in proc.stdout
    pdf = report / "figures" / LAB / "graph.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")


# --------------------------------------------------------------------------- issue 15: properties and diagnoses
def test_properties_table():
    assert len(checks.PROPERTIES) == 15 and all(checks.PROPERTIES.values())


def _failure(check, *args) -> core.CheckFailure:
    with pytest.raises(core.CheckFailure) as info:
        check(*args)
    assert info.value.diagnosis, str(info.value)          # every failure has a stable id
    return info.value


def test_an_operand_missing_from_prev_is_named_in_its_own_cell(ns):
    def add_self_only(self, other):
        other = other if isinstance(other, type(self)) else type(self)(other)
        out = type(self)(self.data + other.data, (self,), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out
    exc = _failure(checks.add, _with(ns, __add__=add_self_only))
    assert exc.diagnosis == "operand-not-in-prev", str(exc)


def test_a_derivative_testing_out_grad_is_named(ns):
    def relu(self):
        out = type(self)(max(self.data, 0.0), (self,), "relu")

        def _backward():
            self.grad += (out.grad > 0) * out.grad
        out._backward = _backward
        return out
    exc = _failure(checks.relu, _with(ns, relu=relu))
    assert exc.diagnosis == "derivative-depends-on-out-grad", str(exc)


def test_a_float32_engine_passes_the_operation_checks(ns):
    """An engine keeping its numbers as float32 is judged at float32 precision (values, gradients and the
    finite differences of its own forward)."""
    V = harness.solution_namespace(LAB)["Value"]
    init = V.__init__

    def init32(self, data, _children=(), _op="", label=""):
        init(self, data, _children, _op, label)
        self.data = np.float32(data)
    V.__init__ = init32
    for check in (checks.add, checks.mul, checks.power, checks.sub_neg, checks.div, checks.tanh,
                  checks.exp_log, checks.relu):
        check(V)


def test_a_loss_whose_backward_is_not_its_derivative_is_named(ns):
    V = ns["Value"]

    def mse_node(preds, targets):
        n = len(preds)
        out = V(sum((p.data - t) ** 2 for p, t in zip(preds, targets)) / n, tuple(preds), "mse")

        def _backward():
            for p, t in zip(preds, targets):
                p.grad += 2 * (p.data - t) * out.grad      # the 1/N forgotten
        out._backward = _backward
        return out
    exc = _failure(checks.mse, mse_node, V)
    assert exc.diagnosis == "backward-not-derivative-of-forward", str(exc)


def _path(Wn, bn, X, y, lr, steps, step_of):
    """Flat parameters after each of ``steps`` steps, each step ``step_of(k, gradient, previous step)``."""
    flat = lambda Wl, bl: np.concatenate([a.ravel() for a in Wl + bl])
    shapes = [w.shape for w in Wn] + [b.shape for b in bn]
    sizes = [int(np.prod(s)) for s in shapes]
    path, prev = [flat(Wn, bn)], None
    for k in range(steps):
        arrays = [a.reshape(s) for a, s in zip(np.split(path[-1], np.cumsum(sizes)[:-1]), shapes)]
        _, gW, gb = checks._np_mlp_grads(arrays[:len(Wn)], arrays[len(Wn):], X, y)
        step = step_of(k, flat(gW, gb), prev)
        path.append(path[-1] + step)
        prev = step
    return path, flat


def test_later_training_steps_are_judged_from_where_they_start():
    """Plain steps pass; a velocity (momentum) and a reset that misses some layers are named from the steps after
    the first."""
    r = np.random.default_rng(0)
    sizes = [3, 4, 4, 1]
    Wn = [r.normal(size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    bn = [r.normal(size=(1, b)) for b in sizes[1:]]
    X, y, lr = r.normal(size=(4, 3)), np.tanh(r.normal(size=4)), 0.05
    path, flat = _path(Wn, bn, X, y, lr, 3, lambda k, g, prev: -lr * g)
    checks._explain_later_steps(path, Wn, bn, X, y, lr, flat)
    path, flat = _path(Wn, bn, X, y, lr, 3, lambda k, g, prev: -lr * g + (0.9 * prev if prev is not None else 0))
    assert "momentum" in str(_failure(checks._explain_later_steps, path, Wn, bn, X, y, lr, flat))
    first_layer = np.arange(path[0].size) < Wn[0].size          # only the first layer's weights are reset
    kept = [np.zeros_like(path[0])]

    def partial_reset(k, g, prev):
        kept[0] = np.where(first_layer, g, kept[0] + g)
        return -lr * kept[0]
    path, flat = _path(Wn, bn, X, y, lr, 3, partial_reset)
    exc = _failure(checks._explain_later_steps, path, Wn, bn, X, y, lr, flat)
    assert exc.diagnosis == "grads-not-reset-for-some-parameters" and "weights of layer 1" not in str(exc)


def test_comprehension_clauses_out_of_order_are_named():
    exc = core.CheckFailure("parameters() raised NameError: name 'neuron' is not defined", "raised-nameerror")
    exc.where = " (raised at `return [p for p in neuron.parameters() for neuron in self.neurons]` in parameters)"
    assert "run left to right" in str(_failure(checks._explain_comprehension_order, exc))
    exc.where = " (raised at `return [p for neuron in self.neurons for p in neuron.parameters()]` in parameters)"
    checks._explain_comprehension_order(exc)       # clauses in order: the NameError has another cause


def test_a_prev_shared_by_every_value_is_named_and_costs_only_value_init():
    """_prev kept on the class and updated in place: value_init names it, and every other cell is judged on Values
    that have their own _prev from then on (before, the student's backward grew with the square of every Value
    ever made and the grading process timed out)."""
    fresh = harness.solution_namespace(LAB)
    V = fresh["Value"]
    own = V.__init__

    def shared(self, data, _children=(), _op="", label=""):
        own(self, data, (), _op, label)
        del self._prev                      # the class's set is the one every Value reads
        type(self)._prev = getattr(type(self), "_prev", set())
        self._prev.update(_children)
    V.__init__ = shared
    with pytest.raises(core.CheckFailure, match="every Value shares ONE _prev") as caught:
        checks.value_init(V)
    assert caught.value.diagnosis == "prev-shared-by-every-value"
    for fn in (checks.add, checks.mul, checks.backward, checks.backward_reuse):
        fn(V)
    checks.neuron(fresh["Neuron"], V)
    checks.mlp(fresh["MLP"], fresh["Layer"], V)
    checks.train_step(fresh["train_step"], fresh["MLP"], V, fresh["mse_loss"])


def test_a_neuron_parameters_growing_self_w_costs_only_the_neuron():
    fresh = harness.solution_namespace(LAB)

    def parameters(self):
        self.w.append(self.b)
        return self.w
    fresh["Neuron"].parameters = parameters
    with pytest.raises(core.CheckFailure, match="parameters\\(\\) changed the neuron"):
        checks.neuron(fresh["Neuron"], fresh["Value"])
    checks.mlp(fresh["MLP"], fresh["Layer"], fresh["Value"])
    checks.train_step(fresh["train_step"], fresh["MLP"], fresh["Value"], fresh["mse_loss"])
    assert fresh["Neuron"].parameters is parameters, "the documented list is lent for the check only"


def test_a_neuron_failing_on_values_costs_only_the_neuron():
    """A Neuron that wraps each input in a new Value works on numbers and raises on a hidden layer's Values: the
    MLP cell is judged with the documented neuron lent in its place (and the neuron's own method is restored)."""
    fresh = harness.solution_namespace(LAB)
    V, N = fresh["Value"], fresh["Neuron"]

    def call(self, x):
        z = sum((wi * V(xi) for wi, xi in zip(self.w, x)), self.b)
        return z.tanh() if self.act == "tanh" else z.relu() if self.act == "relu" else z
    N.__call__ = call
    with pytest.raises(core.CheckFailure):
        checks.neuron(N, V)
    checks.mlp(fresh["MLP"], fresh["Layer"], V)
    assert N.__call__ is call


@pytest.mark.parametrize("text,function,diagnosis", [
    ("a.relu() raised TypeError: 'Value' object is not iterable", "__init__", "children-not-a-tuple"),
    ("f raised TypeError: 'Value' object is not iterable", "__call__", "value-not-iterable"),
    ("x raised TypeError: unhashable type: 'Value'", "__init__", "value-unhashable"),
    ("a leaf's _backward raised TypeError: Value.__init__.<locals>.<lambda>() missing 1 required positional "
     "argument: 'self'", "", "backward-takes-arguments"),
    ("t raised TypeError: 'Value' object is not subscriptable", "<listcomp>", "value-indexed"),
    ("t raised AttributeError: 'Value' object has no attribute 'item'", "train_step", "tensor-method-on-value"),
    ("n raised AttributeError: 'Value' object has no attribute 'linear'", "__call__", "linear-activation-method"),
    ("m raised TypeError: can't convert type 'Value' to numerator/denominator", "mse_loss", "library-function-on-value"),
    ("n raised TypeError: '>' not supported between instances of 'Value' and 'int'", "__call__", "value-compared"),
    ("n raised AttributeError: 'float' object has no attribute 'grad'", "train_step", "number-for-value"),
])
def test_value_words_name_what_a_value_is_not(text, function, diagnosis):
    """Round 15: an exception a Value caused in student code gets a sentence on what a Value is (or is not)."""
    said = checks.value_words(text, function)
    assert said is not None and said[1] == diagnosis
    assert checks.value_words("n raised ValueError: math domain error", "__call__") is None


def test_a_layer_keeping_state_between_calls_is_named():
    """A Layer right on its first call and wrong on a second call on another input keeps state on self: named with
    both calls (round 17c: a list on self extended at every call)."""
    fresh = harness.solution_namespace(LAB)
    L = fresh["Layer"]

    def call(self, x):
        self.outs = getattr(self, "outs", [])
        self.outs.extend(neuron(x) for neuron in self.neurons)
        return self.outs
    L.__call__ = call
    with pytest.raises(core.CheckFailure) as e:
        checks.mlp(fresh["MLP"], L, fresh["Value"])
    assert e.value.diagnosis == "module-state-between-calls"


def test_targets_transformed_in_mse_are_named_only_when_two_batches_agree():
    """A loss against int(t) is named with the transform (confirmed on a second batch that tells int, round and a
    threshold apart); the transform table itself leaves ordinary targets changed."""
    fresh = harness.solution_namespace(LAB)

    def mse(preds, targets):
        return sum((p - int(t)) ** 2 for p, t in zip(preds, targets)) / len(preds)
    with pytest.raises(core.CheckFailure) as e:
        checks.mse(mse, fresh["Value"])
    assert e.value.diagnosis == "loss-targets-changed" and "int(t)" in str(e.value)
    y = np.array([-2.3, -0.7, 0.4, 1.6])
    assert all(not np.allclose(f(y), y) for _, f in checks._TARGET_MAPS)


def test_a_float32_learning_rate_in_train_step_is_named():
    """Round 19: NumPy 2 keeps np.float32 * float in float32, so p.data drifts into float32; the values stay within
    the step's tolerance, the precision question names it (and the solution keeps float64)."""
    fresh = harness.solution_namespace(LAB)
    g = fresh["train_step"].__globals__

    def train_step(model, xs, ys, lr):
        model.zero_grad()
        loss = g["mse_loss"]([model(x) for x in xs], ys)
        loss.backward()
        for p in model.parameters():
            p.data -= np.float32(lr) * p.grad
        return loss.data
    with pytest.raises(core.CheckFailure) as e:
        checks.train_step(train_step, fresh["MLP"], fresh["Value"], fresh["mse_loss"])
    assert e.value.diagnosis == "data-precision-lost" and "numpy.float32" in str(e.value)


def test_a_reflected_operation_from_self_data_is_named():
    """Round 19: number / a computed as other * (1 / self.data) (+ 0 * self keeps the Value in the graph with a zero
    derivative): named as self.data used as a plain number, not as a number path without a closure."""
    fresh = harness.solution_namespace(LAB)
    V = fresh["Value"]
    V.__rtruediv__ = lambda self, other: other * (1 / self.data) + 0 * self
    with pytest.raises(core.CheckFailure) as e:
        checks.div(V)
    assert e.value.diagnosis == "value-used-as-number"
