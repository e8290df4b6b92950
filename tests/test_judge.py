"""The judge protocol (autograder/kernel/, autograder/judge/): values, exceptions, in-place
changes, lent objects, hostile frames, and what a cell's verdict is when results never arrive,
arrive for another check, arrive twice or arrive malformed.  The evaluator runs in a thread
here; tests/test_sandbox.py and the adversarial class run it in a real sandboxed kernel."""
from __future__ import annotations

import json
import socket
import struct
import sys
import threading
import types

import numpy as np
import pandas as pd
import pytest

from autograder.checks import core
from autograder.judge.declarations import CheckCall, checks_in
from autograder.judge.runner import CellJudge, slug
from autograder.judge.session import JudgeSession, KernelGone, RemoteObject, activate
from autograder.kernel import evaluator
from autograder.kernel.wire import MAX_INT_DIGITS, Decoder, Encoder, ProtocolError, read_frame, send_frame


# --------------------------------------------------------------------------- a live session
@pytest.fixture
def session():
    """A JudgeSession talking to an evaluator Session in a thread, over a socketpair."""
    judge_end, kernel_end = socket.socketpair()
    kernel = evaluator.Session(kernel_end)

    def serve():
        try:
            while True:
                head, body = read_frame(kernel_end)
                if head.get("op") == "done":
                    return
                kernel.peer.serve(head, body)
        except (EOFError, OSError):
            return

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    js = JudgeSession(judge_end)
    activate(js)
    yield js, kernel
    activate(None)
    js.done()
    t.join(timeout=5)
    judge_end.close()
    kernel_end.close()


def _remote(js, kernel, obj) -> RemoteObject:
    """Register ``obj`` in the kernel and get the judge's proxy for it."""
    ref = kernel._ref(obj)
    return js.decoder(b"").decode(ref)


class Layer:
    """Stands for a student's class living in the kernel."""

    def __init__(self, n):
        self.W = np.arange(float(n))
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        return x * 2.0

    def scale_in_place(self, x, d):
        x *= 3.0
        d["k"] += 1.0
        d["new"] = np.zeros(2)

    def broken(self, x):
        raise NotImplementedError("not yet")

    def overflow(self, x):
        return np.exp(x)

    def step(self, params):
        for p in params:
            p.data -= 0.5 * p.grad

    def mismatched(self, x):
        return np.dot(x, np.ones((x.shape[1] + 1, 2)))   # raised inside NumPy, quoted here


def test_values_cross_by_copy_and_objects_by_reference(session):
    js, kernel = session
    layer = _remote(js, kernel, Layer(3))
    assert isinstance(layer, RemoteObject) and core.describe(layer).endswith("Layer")
    W = layer.W
    assert type(W) is np.ndarray and W.tolist() == [0.0, 1.0, 2.0]
    W[0] = 99.0                                  # a copy: the kernel's array is unchanged
    assert layer.W[0] == 0.0
    out = layer.forward(np.ones((2, 3), dtype=np.float32))
    assert out.dtype == np.float32 and out.shape == (2, 3) and float(out.sum()) == 12.0
    assert layer.calls == 1
    layer.calls = 5
    assert layer.calls == 5
    frame = pd.DataFrame({"epoch": [1, 2], "loss": [0.5, 0.25]})
    echo = _remote(js, kernel, lambda v: v)
    back = echo(frame)
    assert isinstance(back, pd.DataFrame) and list(back.columns) == ["epoch", "loss"]
    assert back["loss"].tolist() == [0.5, 0.25]
    rng = echo(np.random.default_rng(7))
    assert rng.integers(0, 1000) == np.random.default_rng(7).integers(0, 1000)
    assert echo({"a": (1, 2.5, None, True)}) == {"a": (1, 2.5, None, True)}
    assert echo(2 ** 70) == 2 ** 70 and np.isnan(echo(float("nan")))
    assert _remote(js, kernel, Layer(1)) is not layer
    assert echo(layer) is layer                  # identity of kernel objects is kept


def test_student_exceptions_and_warnings_reach_the_check(session):
    js, kernel = session
    layer = _remote(js, kernel, Layer(2))
    with pytest.raises(NotImplementedError):
        layer.broken(1.0)
    with pytest.raises(core.CheckFailure, match="not implemented yet"):
        core.call(layer.broken, np.ones(2), name="Layer.broken")
    with pytest.raises(core.CheckFailure, match="not numerically stable") as info:
        core.call(layer.overflow, np.array([1000.0]), name="Layer.overflow")
    assert info.value.diagnosis == "not-numerically-stable"
    assert not hasattr(layer, "missing_attribute")   # AttributeError crosses as AttributeError


def test_a_student_exception_is_reported_at_the_students_own_line(session):
    """The innermost frame of the student's code, not NumPy's, is quoted with its function."""
    js, kernel = session
    layer = _remote(js, kernel, Layer(2))
    with pytest.raises(core.CheckFailure) as info:
        core.call(layer.mismatched, np.ones((3, 4)), name="Layer.mismatched")
    assert info.value.diagnosis == "raised-valueerror"
    at = "(raised at `return np.dot(x, np.ones((x.shape[1] + 1, 2)))   # raised inside NumPy, quoted here` in mismatched)"
    assert at not in str(info.value)       # checks read the exception's own words, without the line
    assert core.located(info.value).endswith(at), core.located(info.value)
    # re-raised in new words that still quote the exception: the line goes right after the quote
    second = _reworded(layer, lambda first: f"{first}. Likely cause: a transpose")
    assert core.located(second).endswith(f"{at}. Likely cause: a transpose"), core.located(second)
    # a new message that does not quote it gets no line
    assert core.located(_reworded(layer, lambda first: "the layer has no bias")) == "the layer has no bias"


def _reworded(layer, words) -> core.CheckFailure:
    """The failure a check raises when it re-words ``layer.mismatched``'s failure as ``words(first)``."""
    try:
        try:
            core.call(layer.mismatched, np.ones((3, 4)), name="Layer.mismatched")
        except core.CheckFailure as first:
            raise core.CheckFailure(words(first), "x") from None
    except core.CheckFailure as second:
        return second
    raise AssertionError("Layer.mismatched did not fail")


def test_a_recursion_is_quoted_where_it_enters_its_cycle_however_deep_the_stack():
    """Where the recursion limit strikes inside a cycle depends on the depth already used (a
    kernel, the direct harness and a fork of it differ): the entry into the cycle is quoted."""
    from autograder.kernel.where import student_line
    cell = ("class V:\n"
            "    def __neg__(self):\n        return 0 - self\n"
            "    def __rsub__(self, other):\n        return other + (-self)\n"
            "    def __radd__(self, other):\n        return self\n"
            "def entry(v):\n    return -v\n")
    ns: dict = {}
    exec(compile(cell, "<cell 4>", "exec"), ns)
    import linecache
    linecache.cache["<cell 4>"] = (len(cell), None, cell.splitlines(True), "<cell 4>")
    # a wrapper that is not student code ("<string>") uses up a varying part of the stack first
    exec(compile("def deeper(n, f, v):\n    return f(v) if n == 0 else deeper(n - 1, f, v)\n", "<string>", "exec"), ns)
    quoted = set()
    for depth in (0, 1, 2, 37, 101):
        with pytest.raises(RecursionError) as info:
            ns["deeper"](depth, ns["entry"], ns["V"]())
        quoted.add(tuple(student_line(info.value).items()))
    assert quoted == {(("function", "__neg__"), ("line", "return 0 - self"))}


def test_in_place_changes_to_arguments_are_mirrored(session):
    js, kernel = session
    layer = _remote(js, kernel, Layer(2))
    x, d = np.ones(3), {"k": np.zeros(1)}
    layer.scale_in_place(x, d)
    assert x.tolist() == [3.0, 3.0, 3.0] and d["k"].tolist() == [1.0] and d["new"].tolist() == [0.0, 0.0]
    with pytest.raises(core.CheckFailure, match="modified its input argument #1"):
        core.call(layer.scale_in_place, np.ones(3), {"k": np.zeros(1)}, name="Layer.scale_in_place")
    params = [core.kernel_object(data=np.ones(2), grad=np.full(2, 2.0))]
    assert isinstance(params[0], RemoteObject)        # created in the kernel
    layer.step(params)
    assert params[0].data.tolist() == [0.0, 0.0]


class Lent:
    """A mock a check lends to student code (defined in a checks module: lendable)."""

    secret = "oracle"

    def __init__(self):
        self.seen = []
        self._private = "hidden"

    def forward(self, x):
        self.seen.append(x.copy())
        return x + 1.0


Lent.__module__ = "autograder.checks.fake"


def test_lent_objects_answer_public_calls_only(session):
    js, kernel = session
    mock = Lent()
    student = _remote(js, kernel, lambda m, x: m.forward(x) * 2)
    assert student(mock, np.zeros(2)).tolist() == [2.0, 2.0] and len(mock.seen) == 1
    probe = _remote(js, kernel, lambda m, name: getattr(m, name))
    assert probe(mock, "secret") == "oracle"          # public attributes of the mock only
    with pytest.raises(AttributeError, match="no attribute"):
        probe(mock, "_private")                       # never served by the judge
    # A missing attribute is an AttributeError, as on any object: hasattr and getattr's default work.
    assert _remote(js, kernel, lambda m: hasattr(m, "W"))(mock) is False
    assert _remote(js, kernel, lambda m: getattr(m, "frozen", False))(mock) is False
    assert _remote(js, kernel, lambda m: hasattr(m, "forward"))(mock) is True
    for name in ("__class__", "__init__"):            # answered by the kernel's own proxy class
        got = probe(mock, name)
        assert got is not Lent and "Lent" not in core.describe(got)
    with pytest.raises(TypeError):
        student(object(), 1.0)                        # the judge lends only its checks' objects


def test_a_function_is_judged_with_reference_functions_lent_by_name_and_restored(session):
    """core.lent_globals: names in a student function's globals become the check's own functions (called back
    in the judge) or functions defined in the kernel from text, for the with block only, also when it fails."""
    js, kernel = session
    space: dict = {}
    exec("def block(x):\n    return x + 1\n\ndef train(x):\n    return 1 / 0 if isinstance(x, str) else block(x) * 2\n", space)
    train = _remote(js, kernel, space["train"])

    def reference_block(x):
        return x + 10
    reference_block.__module__ = "autograder.checks.fake"      # a checks module's function: lendable
    with core.lent_globals(train, {"block": reference_block}, "def helper(x):\n    return -x\n"):
        assert train(np.ones(2)).tolist() == [22.0, 22.0]
        assert space["helper"](3) == -3 and space["block"] is not reference_block   # a proxy in the kernel
    assert "helper" not in space and space["block"](1) == 2
    with pytest.raises(ZeroDivisionError), core.lent_globals(train, {"block": reference_block}):
        train("not a number")       # the student's code fails inside: restored all the same
    assert train(np.ones(2)).tolist() == [4.0, 4.0]
    with pytest.raises(TypeError):          # only the checks' own objects are lent
        with core.lent_globals(train, {"block": lambda x: x}):
            pass
    assert space["block"](1) == 2


# --------------------------------------------------------------------------- hostile input
def _decode(header_value, payload=b""):
    return Decoder(payload, lambda v: v, lambda v: v).decode(header_value)


@pytest.mark.parametrize("value, match", [
    ({"t": "i", "v": "9" * (MAX_INT_DIGITS + 1)}, "integer"),
    ({"t": "zzz"}, "unknown value tag"),
    ({"t": "nd", "dtype": "|O", "shape": [1], "off": 0, "n": 8}, "dtype"),
    ({"t": "nd", "dtype": "<f8", "shape": [4], "off": 0, "n": 8, "payload": 8}, "size"),
    ({"t": "nd", "dtype": "<f8", "shape": [1], "off": 0, "n": 8}, "array header"),  # payload missing
    ({"t": "f", "v": "1e999"}, "float"),
    (2 ** 60, "too large"),
    ({"t": "d", "k": [{"t": "l", "v": []}], "v": [1]}, "unhashable"),
])
def test_decoder_refuses_malformed_values(value, match):
    payload = b"\0" * value.pop("payload", 0) if isinstance(value, dict) else b""
    with pytest.raises(ProtocolError, match=match):
        _decode(value, payload)


def test_decoder_refuses_deep_nesting():
    v = 0
    for _ in range(100):
        v = {"t": "l", "v": [v]}
    with pytest.raises(ProtocolError, match="nested"):
        _decode(v)


def test_frames_refuse_bad_magic_huge_headers_and_bad_json():
    for raw in (b"XXXX" + struct.pack(">II", 2, 0) + b"{}",
                b"NNJ1" + struct.pack(">II", 2 ** 31, 0),
                b"NNJ1" + struct.pack(">II", 3, 0) + b"{x}",
                b"NNJ1" + struct.pack(">II", 6, 0) + b"[1, 2]"):
        a, b = socket.socketpair()
        a.sendall(raw)
        a.close()
        with pytest.raises(ProtocolError):
            read_frame(b)
        b.close()


def test_arrays_cross_with_their_shape_zero_d_and_strided_included():
    """A 0-d array stays 0-d (a db squeezed to a scalar array must be judged as the student returned it)."""
    for a in (np.array(2.5), np.arange(12.0).reshape(3, 4)[:, ::2], np.zeros((2, 0)), np.float32(1.5) * np.ones(3)):
        enc = Encoder(lambda obj: {"t": "ref"})
        header = enc.encode(a)
        back = Decoder(b"".join(enc.buffers), lambda v: None, lambda v: None).decode(header)
        assert back.shape == a.shape and back.dtype == a.dtype and np.array_equal(back, a)


def test_encoder_sends_objects_it_cannot_copy_as_references():
    refs = []
    enc = Encoder(lambda obj: refs.append(obj) or {"t": "ref", "id": len(refs)})
    assert enc.encode(np.array([object()], dtype=object)) == {"t": "ref", "id": 1}
    assert enc.encode(types.SimpleNamespace()) == {"t": "ref", "id": 2}


# --------------------------------------------------------------------------- cell verdicts
@pytest.fixture
def fake_checks(monkeypatch):
    module = types.ModuleType("autograder.checks.testlab")

    def double(fn):
        got = core.expect_array(core.call(fn, np.arange(3.0), name="double"), name="double(x)", shape=(3,))
        core.expect_close(got, 2 * np.arange(3.0), name="double(x)", diagnose={
            "you added instead of multiplying": np.arange(3.0) + 2})

    module.double = double
    monkeypatch.setitem(sys.modules, "autograder.checks.testlab", module)
    return CheckCall("testlab", "double", ("fn",))


def _judge(tmp_path, call, kernel_side):
    path = tmp_path / "judge.sock"
    judge = CellJudge(path, "cell1", [call])
    with judge:
        kernel_side(str(path))
    return judge.verdict


def _serve_in_thread(path, name, *args):
    import os
    os.environ[evaluator.SOCKET_ENV] = path
    t = threading.Thread(target=lambda: evaluator.serve(name, *args), daemon=True)
    t.start()
    t.join(timeout=30)
    return t


def test_a_correct_function_passes_and_a_wrong_one_is_named(tmp_path, fake_checks):
    ok = _judge(tmp_path, fake_checks, lambda p: _serve_in_thread(p, "testlab.double", lambda x: 2 * x))
    assert ok.passed and ok.message is None
    bad = _judge(tmp_path, fake_checks, lambda p: _serve_in_thread(p, "testlab.double", lambda x: x + 2))
    assert not bad.passed and "added instead of multiplying" in bad.message
    assert bad.diagnosis == "testlab.double/you-added-instead-of-multiplying"
    scaled = _judge(tmp_path, fake_checks, lambda p: _serve_in_thread(p, "testlab.double", lambda x: 3 * x))
    assert "times 1.5" in scaled.message and scaled.diagnosis.endswith("/scaled")


def test_a_raw_exception_no_check_worded_gets_the_general_sentence_for_its_slip(tmp_path, fake_checks):
    """Any check's call that raised reaches the student with its cause, not only the call and the line:
    numpy's "Cannot interpret '3' as a data type" means the shape was passed as separate numbers."""
    verdict = _judge(tmp_path, fake_checks, lambda p: _serve_in_thread(p, "testlab.double", lambda x: np.zeros(3, 3)))
    assert not verdict.passed and "raised TypeError: Cannot interpret '3' as a data type" in verdict.message
    assert "Likely cause: the shape was passed as separate numbers" in verdict.message
    assert verdict.diagnosis == "testlab.double/shape-as-separate-arguments"
    other = _judge(tmp_path, fake_checks, lambda p: _serve_in_thread(p, "testlab.double", lambda x: 1 / 0))
    assert "ZeroDivisionError" in other.message and "Likely cause" not in other.message
    assert other.diagnosis == "testlab.double/raised-zerodivisionerror"


def test_results_that_never_arrive_score_zero(tmp_path, fake_checks):
    verdict = _judge(tmp_path, fake_checks, lambda p: None)
    assert not verdict.passed and "never handed its results" in verdict.message


def test_results_for_another_check_score_zero(tmp_path, fake_checks):
    verdict = _judge(tmp_path, fake_checks, lambda p: _serve_in_thread(p, "testlab.other", lambda x: 2 * x))
    assert not verdict.passed and "another check" in verdict.message


def test_results_handed_over_twice_score_zero(tmp_path, fake_checks):
    def twice(p):
        _serve_in_thread(p, "testlab.double", lambda x: 2 * x)
        again = _serve_in_thread(p, "testlab.double", lambda x: 2 * x)
        # the surplus connection is closed at once: the kernel is not left waiting for the cell's time limit
        assert not again.is_alive()
    verdict = _judge(tmp_path, fake_checks, twice)
    assert not verdict.passed and "more often" in verdict.message


def test_malformed_results_score_zero(tmp_path, fake_checks):
    def garbage(p):
        s = socket.socket(socket.AF_UNIX)
        s.connect(p)
        head = json.dumps({"hello": "testlab.double", "args": [None]}).encode()
        s.sendall(b"NNJ1" + struct.pack(">II", len(head), 0) + head + b"garbage" * 10)
        s.close()
    verdict = _judge(tmp_path, fake_checks, garbage)
    assert not verdict.passed


def test_a_kernel_that_disappears_mid_check_scores_zero(tmp_path, fake_checks):
    def vanish(p):
        s = socket.socket(socket.AF_UNIX)
        s.connect(p)
        send_frame(s, {"hello": "testlab.double",
                       "args": {"t": "l", "v": [{"t": "ref", "id": 1, "type": "f", "call": True}]}})
        read_frame(s)          # the judge's first request...
        s.close()              # ...never answered
    verdict = _judge(tmp_path, fake_checks, vanish)
    assert not verdict.passed and "stopped answering" in verdict.message


def test_declarations_come_from_the_source_cell():
    src = ("### BEGIN HIDDEN TESTS\nfrom autograder.checks import lab02 as _checks\n"
           "_checks.backward(forward, backward)\n### END HIDDEN TESTS\nassert True\n_checks.fake(x)")
    assert checks_in(src) == [CheckCall("lab02", "backward", ("forward", "backward"))]
    assert slug("db must be summed over 3 axes (1, 64)") == "db-must-be-summed-over-axes"


def test_kernel_serve_without_a_judge_says_so(monkeypatch):
    monkeypatch.delenv(evaluator.SOCKET_ENV, raising=False)
    with pytest.raises(RuntimeError, match="only while grading"):
        evaluator.serve("lab01.relu", object())


def test_gone_is_not_an_ordinary_exception():
    assert not issubclass(KernelGone, Exception)


def test_generators_handed_to_student_code_advance_as_they_would_in_process(session):
    js, kernel = session
    draw = _remote(js, kernel, lambda rng: rng.random(3))
    rng, twin = np.random.default_rng(5), np.random.default_rng(5)
    first, second = draw(rng), draw(rng)
    assert first.tolist() == twin.random(3).tolist() and second.tolist() == twin.random(3).tolist()


def test_changes_a_returned_generator_makes_while_consumed_are_mirrored(session):
    """A generator function changes its arguments only while it is consumed, after its call has
    returned: those changes still reach the judge's copies (the kernel's "late" reports), so an
    "inputs not modified" check sees an in-place shuffle inside a mini-batch generator."""
    js, kernel = session

    def batches(X, y, size):
        for start in range(0, len(X), size):
            X[start:start + size] *= -1.0          # the mistake: the caller's X changes
            yield X[start:start + size].copy(), y[start:start + size].copy()

    gen_fn = _remote(js, kernel, batches)
    X, y = np.arange(5.0), np.arange(5)
    gen = gen_fn(X, y, 2)
    assert X.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]          # nothing ran yet
    got = list(gen)
    assert len(got) == 3 and X.tolist() == [-0.0, -1.0, -2.0, -3.0, -4.0] and y.tolist() == list(range(5))
    again = list(gen_fn(X, y, 5))                            # a change is reported once, per generator
    assert len(again) == 1 and X.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_late_reports_for_unknown_generators_end_the_check(session):
    js, _ = session
    with pytest.raises(KernelGone, match="late sync"):
        js._mirror_late({"999": {"args": [], "kwargs": {}}}, js.decoder(b""))
    with pytest.raises(KernelGone, match="late sync"):
        js._mirror_late(["not", "a", "dict"], js.decoder(b""))


class Node:
    """Stands for a student's autograd node: a value and the nodes it was made from."""

    def __init__(self, data, children=(), op=""):
        self.data, self._prev, self._op = data, tuple(children), op


def test_a_chain_of_student_calls_is_one_request_with_the_same_result_as_a_loop(session):
    js, kernel = session
    cls = _remote(js, kernel, Node)
    leaf = cls(1.0)
    before = js.requests
    nodes = core.chain(cls, leaf, 2_500, 0.5, (leaf,), "id")
    assert js.requests == before + 1
    assert len(nodes) == 2_500 and all(isinstance(n, RemoteObject) for n in nodes[:3])
    assert nodes[0]._prev == (leaf,) and nodes[1]._prev == (nodes[0],) and nodes[-1]._prev == (nodes[-2],)
    assert nodes[-1]._op == "id" and nodes[-1].data == 0.5



def test_without_a_judge_a_chain_is_the_same_loop_in_process():
    local = core.chain(Node, "leaf", 3, 0.5, ("leaf",), "id")
    assert local[0]._prev == ("leaf",) and local[2]._prev == (local[1],) and local[2]._op == "id"


def test_a_chain_whose_call_raises_reports_the_student_exception(session):
    js, kernel = session

    def refuses(data, children=(), op=""):
        raise ValueError("no")
    with pytest.raises(ValueError, match="no"):
        core.chain(_remote(js, kernel, refuses), 1.0, 3, 0.5, (1.0,), "id")


@pytest.mark.parametrize("n", [-1, evaluator.CHAIN_LIMIT + 1, 2.5, True])
def test_the_kernel_refuses_a_chain_request_out_of_bounds(n):
    kernel = evaluator.Session(socket.socketpair()[0])
    head = {"op": "chain", "obj": kernel._ref(Node), "n": n, "init": 1.0, "args": {"t": "l", "v": [0.5]}}
    with pytest.raises(ProtocolError, match="bad chain request"):
        kernel.handle(head, b"")


def test_attributes_of_many_objects_are_read_and_written_in_one_request_each(session):
    js, kernel = session
    cls = _remote(js, kernel, Node)
    nodes = [cls(float(i)) for i in range(5)]
    before = js.requests
    assert core.gather(nodes, "data") == [0.0, 1.0, 2.0, 3.0, 4.0]
    core.scatter(nodes, "data", [10.0, 11.0, 12.0, 13.0, 14.0])
    assert js.requests == before + 2
    assert [n.data for n in nodes] == [10.0, 11.0, 12.0, 13.0, 14.0]
    with pytest.raises(AttributeError):
        core.gather(nodes, "missing")
    local = [Node(1.0), Node(2.0)]                      # without the judge: the same loop in process
    core.scatter(local, "data", [5.0, 6.0])
    assert core.gather(local, "data") == [5.0, 6.0]


def test_the_raised_line_is_found_behind_a_reworded_failure(session):
    js, kernel = session
    layer = _remote(js, kernel, Layer(2))
    second = _reworded(layer, lambda first: f"{first}: reworded")
    assert core.raised_line(second).startswith("return np.dot(x, np.ones((x.shape[1] + 1, 2)))")
    assert core.raised_line(core.CheckFailure("no exception behind it")) == ""
