"""The kernel side of the judge: student code computes here, the judge decides elsewhere.

A hidden test cell runs ``_checks.linear_backward(Linear)``.  Inside the kernel
``autograder.checks.labNN`` is the shim of ``autograder/kernel/shim.py``, so that line calls
:func:`serve`: it connects to the judge's socket (``NNLAB_JUDGE_SOCKET``), says which check
the cell asked for and hands over the objects, then answers the judge's requests (construct
this, call that with these arrays, read this attribute) until the judge says ``done``.  The
kernel never learns the expected values, the tolerances or the verdict: there is nothing
here to patch that could raise a score, and everything here is public.

Every request runs with NumPy's floating-point warnings recorded (the judge turns an
overflow into a named failure) and array arguments snapshotted, so that changes the
student's code makes to them in place are sent back and mirrored on the judge's copies.
"""
from __future__ import annotations

import operator
import os
import socket
import types
import warnings
from typing import Any

import numpy as np

from .peer import Peer
from .variants import Snapshots, run_variants, settings_of, source_of
from .where import student_line
from .wire import Decoder, Encoder, ProtocolError, read_frame
from .work import Meter

SOCKET_ENV = "NNLAB_JUDGE_SOCKET"

#: Operators the judge may apply to kernel objects (``a + b`` on a student ``Value``...).
OPERATORS = {name: getattr(operator, name) for name in (
    "add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "neg", "pos", "abs",
    "eq", "ne", "lt", "le", "gt", "ge", "getitem", "setitem", "contains")}
OPERATORS.update({"len": len, "list": list, "bool": bool, "float": float, "int": int,
                  "isinstance": isinstance, "type": type, "callable": callable})


#: Exceptions a grader object (a mock lent to student code) raises that reach the student's code
#: with their own class, as the same use of a plain object would raise them; others arrive as
#: RuntimeError("grader object: ...").
AS_RAISED: dict[str, type[Exception]] = {e.__name__: e for e in (
    AttributeError, TypeError, ValueError, KeyError, IndexError, ZeroDivisionError, NotImplementedError)}


class KernelObject:
    """A plain object the judge creates in the kernel (a parameter an optimiser updates in place)."""

    def __init__(self, **attrs: Any):
        self.__dict__.update(attrs)

    def __repr__(self) -> str:
        return "Parameter(" + ", ".join(f"{k}=..." for k in self.__dict__) + ")"


class JudgeProxy:
    """An object the judge lent to student code (a mock layer, a recording loss): every use
    of it is a request back to the judge."""

    __slots__ = ("_session", "_id")

    def __init__(self, session: "Session", jid: int):
        object.__setattr__(self, "_session", session)
        object.__setattr__(self, "_id", jid)

    def _ref(self) -> dict:
        return {"t": "jref", "id": self._id}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._session.ask({"op": "getattr", "obj": self._ref(), "name": name})

    def __setattr__(self, name: str, value: Any) -> None:
        self._session.ask({"op": "setattr", "obj": self._ref(), "name": name}, value=value)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._session.ask({"op": "call", "obj": self._ref()}, args=list(args), kwargs=kwargs)

    def __repr__(self) -> str:
        return f"<grader object {self._id}>"


class Session:
    """The evaluator's state for one check: kernel objects the judge holds handles to."""

    def __init__(self, sock: socket.socket):
        self.peer = Peer(sock, self.handle)
        self.objects: dict[int, Any] = {}
        self.handles: dict[int, int] = {}      # id(obj) -> handle
        self.proxies: dict[int, JudgeProxy] = {}
        # Generators a call returned, with that call's argument snapshots: a generator changes
        # its arguments later, while it is consumed, so each reply also reports those changes
        # (under "late", by the generator's handle) for the judge to mirror on the call's copies.
        self.deferred: dict[int, tuple[list, dict]] = {}
        # Copies of a method's object taken before the judge's calls of it (variants.Snapshots).
        self.snapshots = Snapshots(lambda: list(self.proxies.values()))
        # The arguments of the judge's calls, kept alive for the check: a freed array's address would be
        # reused by the next one, and student code keyed on id(x) (a memo) would then meet a stale entry
        # or not depending on the allocator: kept, one id names one array, and the same submission is
        # asked the same questions with the same outcome on every run.
        self.sent: list[tuple[list, dict]] = []

    # ------------------------------------------------------------------ encoding
    def _ref(self, obj: Any) -> dict:
        h = self.handles.get(id(obj))
        if h is None or self.objects.get(h) is not obj:
            h = len(self.objects) + 1
            self.objects[h] = obj
            self.handles[id(obj)] = h
        t = type(obj)
        return {"t": "ref", "id": h, "type": f"{t.__module__}.{t.__qualname__}"[:200], "call": callable(obj)}

    def _encoder(self) -> Encoder:
        def ref(obj: Any) -> dict:
            if isinstance(obj, JudgeProxy):
                return obj._ref()
            return self._ref(obj)
        return Encoder(ref)

    def _decoder(self, payload: bytes) -> Decoder:
        def ref(v: dict) -> Any:
            h = v.get("id")
            if type(h) is not int or h not in self.objects:
                raise ProtocolError("unknown kernel object")
            return self.objects[h]

        def jref(v: dict) -> Any:
            j = v.get("id")
            if type(j) is not int:
                raise ProtocolError("bad judge reference")
            if j not in self.proxies:
                self.proxies[j] = JudgeProxy(self, j)
            return self.proxies[j]
        return Decoder(payload, ref, jref)

    def encode(self, value: Any) -> tuple[Any, bytes]:
        enc = self._encoder()
        return enc.encode(value), enc.payload()

    # ------------------------------------------------------------------ calls back to the judge
    def ask(self, header: dict, **values: Any) -> Any:
        enc = self._encoder()
        body = {k: enc.encode(v) for k, v in values.items()}
        reply, payload = self.peer.request({**header, **body}, enc.payload())
        dec = self._decoder(payload)
        if "raise" in reply:
            info = reply["raise"] if isinstance(reply["raise"], dict) else {}
            kind, msg = str(info.get("type"))[:80], str(info.get("msg"))[:300]
            if kind in AS_RAISED:
                # hasattr(mock, "W") and getattr(mock, "frozen", False) must work on a grader's
                # mock as on any object: the usual exceptions keep their class.
                raise AS_RAISED[kind](msg)
            raise RuntimeError(f"grader object: {kind}: {msg}")
        return dec.decode(reply.get("ok"))

    # ------------------------------------------------------------------ the judge's requests
    def handle(self, head: dict, payload: bytes) -> tuple[dict, bytes]:
        dec = self._decoder(payload)
        op = head.get("op")
        args = kwargs = None
        taken: int | None = None
        meter: Meter | None = None     # a call's work, counted (kernel/work.py): the judge's re-runs are sized by it
        with warnings.catch_warnings(record=True) as caught, \
                np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"):
            warnings.simplefilter("always")
            try:
                if op == "getattr":
                    result = getattr(dec.decode(head.get("obj")), _name(head))
                elif op == "setattr":
                    setattr(dec.decode(head.get("obj")), _name(head), dec.decode(head.get("value")))
                    result = None
                elif op in ("call", "op"):
                    fn = dec.decode(head.get("obj")) if op == "call" else _operator(head)
                    args = dec.decode(head.get("args", {"t": "l", "v": []}))
                    kwargs = dec.decode(head.get("kwargs", {"t": "d", "k": [], "v": []}))
                    if not isinstance(args, list) or not isinstance(kwargs, dict) or \
                            not all(isinstance(k, str) for k in kwargs):
                        raise ProtocolError("bad call arguments")
                    if len(self.sent) < SENT_KEPT:
                        self.sent.append((args, kwargs))
                    snaps = [_snapshot(a) for a in args], {k: _snapshot(v) for k, v in kwargs.items()}
                    if head.get("snap") is True:
                        taken = self.snapshots.take(fn, args, kwargs)
                    meter = Meter()
                    with meter:
                        result = fn(*args, **kwargs)
                elif op == "chain":
                    result = chain_calls(dec.decode(head.get("obj")), dec.decode(head.get("init")),
                                    head.get("n"), dec.decode(head.get("args", {"t": "l", "v": []})))
                elif op == "getattrs":
                    objs = dec.decode(head.get("objs"))
                    if not isinstance(objs, list) or len(objs) > CHAIN_LIMIT:
                        raise ProtocolError("bad object list")
                    result = [getattr(o, _name(head)) for o in objs]
                elif op == "setattrs":
                    objs, values = dec.decode(head.get("objs")), dec.decode(head.get("values"))
                    if not isinstance(objs, list) or not isinstance(values, list) or len(objs) != len(values) \
                            or len(objs) > CHAIN_LIMIT:
                        raise ProtocolError("bad object list")
                    name = _name(head)
                    for o, v in zip(objs, values):
                        setattr(o, name, v)
                    result = None
                elif op == "new":
                    attrs = dec.decode(head.get("attrs"))
                    if not isinstance(attrs, dict) or not all(isinstance(k, str) for k in attrs):
                        raise ProtocolError("bad attributes")
                    result = KernelObject(**attrs)
                elif op == "define":
                    result = define(head.get("source"), head.get("names"))
                elif op == "setglobals":
                    values = dec.decode(head.get("values"))
                    if not isinstance(values, dict):
                        raise ProtocolError("bad globals")
                    result = set_globals(dec.decode(head.get("obj")), values)
                elif op == "repr":
                    result = repr(dec.decode(head.get("obj")))[:500]
                elif op == "source":
                    fn = dec.decode(head.get("obj"))
                    result = [source_of(fn), settings_of(fn)]
                elif op == "variants":
                    args = dec.decode(head.get("args", {"t": "l", "v": []}))
                    kwargs = dec.decode(head.get("kwargs", {"t": "d", "k": [], "v": []}))
                    if not isinstance(args, list) or not isinstance(kwargs, dict) or \
                            not all(isinstance(k, str) for k in kwargs):
                        raise ProtocolError("bad call arguments")
                    root = head.get("root")
                    result = run_variants(dec.decode(head.get("obj")), head.get("sources"), head.get("path"),
                                          args, kwargs, limit=head.get("limit"),
                                          snapshots=self.snapshots, snapshot=head.get("snapshot"),
                                          raised=head.get("raised") is True,
                                          root=dec.decode(root) if root is not None else None)
                    args = None   # the variants ran on copies: nothing to mirror
                else:
                    raise ProtocolError(f"unknown request {str(op)[:20]!r}")
            except ProtocolError:
                raise
            except KeyboardInterrupt:
                raise                     # the cell's time limit: end the session, the judge sees EOF
            except BaseException as exc:  # noqa: BLE001 - student code may raise anything, exit included
                raised, empty = self._raised(exc, caught)
                if meter is not None:
                    raised["work"] = meter.work
                return raised, empty
        warned = [str(w.message)[:300] for w in caught if issubclass(w.category, RuntimeWarning)]
        enc = self._encoder()
        try:
            encoded = enc.encode(result)
            reply: dict = {"ok": encoded, "warn": warned}
            if taken is not None:
                reply["snapshot"] = taken
            if meter is not None:
                reply["work"] = meter.work
            if args is not None:
                reply["sync"] = {"args": [_diff(s, enc) for s in snaps[0]],
                                 "kwargs": {k: _diff(s, enc) for k, s in snaps[1].items()}}
                if isinstance(result, types.GeneratorType) and isinstance(encoded, dict) and "id" in encoded:
                    self.deferred[encoded["id"]] = snaps
            late = self._late_changes(enc)
            if late:
                reply["late"] = late
        except ProtocolError as exc:
            return self._raised(exc, caught)
        return reply, enc.payload()

    def _late_changes(self, enc: Encoder) -> dict:
        """{generator handle: sync} for the arguments a returned generator has changed since the
        last report; their snapshots are renewed so a change is reported once."""
        late = {}
        for h, (arg_snaps, kw_snaps) in self.deferred.items():
            arg_diffs = [_diff(s, enc) for s in arg_snaps]
            kw_diffs = {k: _diff(s, enc) for k, s in kw_snaps.items()}
            if any(d is not None for d in arg_diffs) or any(d is not None for d in kw_diffs.values()):
                late[str(h)] = {"args": arg_diffs, "kwargs": kw_diffs}
                self.deferred[h] = ([_snapshot(s[1]) if s else None for s in arg_snaps],
                                    {k: _snapshot(s[1]) if s else None for k, s in kw_snaps.items()})
        return late

    @staticmethod
    def _raised(exc: BaseException, caught: list) -> tuple[dict, bytes]:
        t = type(exc)
        builtin = t.__module__ == "builtins"
        base = next((b.__name__ for b in t.__mro__ if b.__module__ == "builtins"), "Exception")
        try:
            msg = str(exc)[:1000]
        except Exception:  # noqa: BLE001 - a student exception's __str__ may raise
            msg = "(message could not be read)"
        warned = [str(w.message)[:300] for w in caught if issubclass(w.category, RuntimeWarning)]
        info: dict[str, Any] = {"type": t.__qualname__[:100], "base": base if not builtin else t.__name__,
                                "msg": msg}
        try:
            where = student_line(exc)
        except Exception:  # noqa: BLE001 - a broken traceback only loses the quoted line
            where = None
        if where:
            info["where"] = where
        return {"raise": info, "warn": warned}, b""


#: Calls whose arguments a session keeps alive (Session.sent; a check makes a few hundred).
SENT_KEPT = 20_000

#: Most calls one ``chain`` request may make, and most objects one ``getattrs`` / ``setattrs``
#: request may name (a check's long chain is a few thousand nodes).
CHAIN_LIMIT = 100_000


def chain_calls(fn: Any, init: Any, n: Any, args: Any) -> list:
    """``n`` calls of ``fn``, each given the previous call's result wherever ``args`` holds
    ``init`` (also inside a tuple or list argument): the judge's long chains (a 3,000-node
    graph) in one request instead of one per node.  Returns every result, oldest first.
    (``core.chain`` runs the same loop in process when no judge is active.)"""
    if type(n) is not int or not 0 <= n <= CHAIN_LIMIT or not isinstance(args, list):
        raise ProtocolError("bad chain request")
    results, prev = [], init
    for _ in range(n):
        prev = fn(*[_swap(a, init, prev) for a in args])
        results.append(prev)
    return results


def _swap(arg: Any, init: Any, prev: Any) -> Any:
    if arg is init:
        return prev
    if type(arg) in (tuple, list):
        return type(arg)(prev if a is init else a for a in arg)
    return arg


def define(source: Any, names: Any) -> dict:
    """The functions ``names`` of a module source the judge sends (reference building blocks it lends to
    student code, see ``set_globals``), executed in a namespace of their own."""
    if not isinstance(source, str) or not isinstance(names, list) or \
            not all(isinstance(n, str) and n.isidentifier() for n in names):
        raise ProtocolError("bad definition")
    namespace: dict = {"__name__": "nnlab_reference"}
    exec(compile(source, "<reference building blocks>", "exec"), namespace)  # noqa: S102 - the judge's own text
    return {n: namespace[n] for n in names}


#: Marks a global that did not exist before ``set_globals`` set it (restoring it deletes it).
MISSING = "<missing>"


def set_globals(fn: Any, values: dict) -> dict:
    """Set names in the globals of the function ``fn`` (a student's train: which building blocks it calls is
    decided by name when it runs); returns the previous values, ``MISSING`` for a name that was not there.
    A value equal to ``MISSING`` deletes the name (restoring the state before)."""
    space = getattr(fn, "__globals__", None)
    if not isinstance(space, dict) or not all(isinstance(k, str) and k.isidentifier() for k in values):
        raise TypeError("only a function's globals can be set")
    before = {}
    for name, value in values.items():
        before[name] = space.get(name, MISSING)
        if isinstance(value, str) and value == MISSING:
            space.pop(name, None)
        else:
            space[name] = value
    return before


def _name(head: dict) -> str:
    name = head.get("name")
    if not isinstance(name, str) or not name.isidentifier():
        raise ProtocolError("bad attribute name")
    return name


def _operator(head: dict) -> Any:
    name = head.get("name")
    if name not in OPERATORS:
        raise ProtocolError("unknown operator")
    return OPERATORS[name]


# ---------------------------------------------------------------------- in-place changes to arguments
def _snapshot(x: Any) -> Any:
    """What an argument looked like before the call: arrays copied, containers' items kept."""
    if type(x) is np.ndarray:
        return ("a", x, x.copy())
    if type(x) is list:
        return ("l", x, list(x), [_snapshot(v) for v in x])
    if type(x) is dict:
        return ("d", x, dict(x), {k: _snapshot(v) for k, v in x.items()})
    if type(x) is np.random.Generator:
        return ("g", x, x.bit_generator.state)
    return None


def _diff(s: Any, enc: Encoder) -> Any:
    """How the argument changed (None: not at all), for the judge to mirror on its copy."""
    if s is None:
        return None
    kind, obj = s[0], s[1]
    if kind == "g":   # a generator the student drew from: the judge's copy advances the same way
        state = obj.bit_generator.state
        return None if state == s[2] else {"rng": enc.encode(state)}
    if kind == "a":
        same = obj.shape == s[2].shape and np.array_equal(obj, s[2], equal_nan=obj.dtype.kind in "fc")
        return None if same else {"set": enc.encode(obj)}
    if kind == "l":
        if len(obj) != len(s[2]) or any(a is not b for a, b in zip(obj, s[2])):
            return {"replace": enc.encode(list(obj))}
        items = {str(i): d for i, d in enumerate(_diff(c, enc) for c in s[3]) if d is not None}
        return {"items": items} if items else None
    if obj.keys() != s[2].keys() or any(obj[k] is not s[2][k] for k in obj):
        return {"replace": enc.encode(dict(obj))}
    changed = {k: d for k, d in ((k, _diff(s[3][k], enc)) for k in obj) if d is not None}
    if not changed:
        return None
    return {"keys": [enc.encode(k) for k in changed], "items": list(changed.values())}


# ---------------------------------------------------------------------- entry point
def serve(check: str, *args: Any) -> None:
    """Hand ``args`` to the judge for ``check`` and answer its requests until it is done."""
    path = os.environ.get(SOCKET_ENV)
    if not path:
        raise RuntimeError("hidden checks run only while grading (no judge is listening)")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    try:
        session = Session(sock)
        hello, payload = session.encode(list(args))
        session.peer.send({"hello": check, "args": hello}, payload)
        while True:
            head, body = read_frame(sock)
            if head.get("op") == "done":
                return
            session.peer.serve(head, body)
    except (EOFError, ConnectionError):
        return   # the judge ended the session (it decided, or gave up on this cell)
    finally:
        sock.close()


def remote_check(qualname: str):
    """The function a shim module returns for ``_checks.<name>``."""
    def check(*args: Any) -> None:
        serve(qualname, *args)
    check.__name__ = qualname.rsplit(".", 1)[-1]
    return check
