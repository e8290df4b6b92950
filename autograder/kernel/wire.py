"""The judge protocol's wire format: framed messages of JSON plus raw array bytes.

Shared by the two peers: the evaluator inside the student's kernel and the judge in the
grading process.  Nothing here is secret or trusts its input: :func:`read_frame` and
:func:`decode` refuse oversized frames, deep nesting, huge integers and strings, unknown
tags and array dtypes that are not plain numbers (no pickles, ever).

A frame is ``b"NNJ1"``, the header length and the payload length (two unsigned 32-bit
big-endian integers), a UTF-8 JSON header and the payload: the raw bytes of every array in
the message, back to back.  A value in the header is JSON when it is ``None``, a bool, a
finite float, a small int or a short string; anything else is a tagged object
``{"t": tag, ...}``:

========  ==========================================================================
tag       meaning
========  ==========================================================================
``nd``    an ndarray: ``dtype``, ``shape``, ``off`` and ``n`` (bytes in the payload),
          ``sub`` (the qualified name of an ndarray subclass, or null)
``np``    a NumPy scalar: ``dtype`` and ``v`` (its value, encoded)
``f``     a float that JSON cannot hold: ``v`` is ``"nan"``, ``"inf"`` or ``"-inf"``
``i``     an int beyond 2**53: ``v`` is its decimal string (at most 400 digits)
``c``     a complex number: ``re``, ``im``
``l``     a list; ``u`` a tuple; ``s`` a set; ``fs`` a frozenset: ``v`` the items
``d``     a dict: ``k`` and ``v``, the keys and values in order
``df``    a pandas DataFrame: ``cols`` (names), ``v`` (one value per column), ``index``
``ser``   a pandas Series: ``name``, ``v`` (its values), ``index``
``rng``   a NumPy ``Generator`` on PCG64: ``state``, its bit generator's state (copied)
``ref``   an object living in the kernel: ``id``, ``type`` (qualified name), ``call``
``jref``  an object living in the judge (a mock the check lent to student code): ``id``
========  ==========================================================================

Objects are never serialised by value except the plain kinds above: everything else
crosses as a reference handled by the peer that owns it (see ``docs/architecture.md``,
"The judge protocol").
"""
from __future__ import annotations

import json
import math
import socket
import struct
from collections.abc import Callable
from typing import Any

import numpy as np

MAGIC = b"NNJ1"
_PREFIX = struct.Struct(">4sII")
#: Largest header and payload a peer accepts (a hostile kernel must not exhaust the judge).
MAX_HEADER = 8 * 2 ** 20
MAX_PAYLOAD = 256 * 2 ** 20
MAX_DEPTH = 40
MAX_ITEMS = 200_000
MAX_STR = 20_000
MAX_INT_DIGITS = 400
#: Array element kinds that cross by value: booleans, integers, floats, complex numbers.
ARRAY_KINDS = "biufc"


class ProtocolError(Exception):
    """A frame or value broke the protocol: malformed, oversized or of an unknown kind."""


# --------------------------------------------------------------------------- frames
def _recv_exact(sock: socket.socket, n: int) -> bytes:
    chunks, got = [], 0
    while got < n:
        chunk = sock.recv(min(n - got, 1 << 20))
        if not chunk:
            raise EOFError("the peer closed the connection")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def send_frame(sock: socket.socket, header: dict, payload: bytes = b"") -> None:
    head = json.dumps(header, allow_nan=False, separators=(",", ":")).encode()
    sock.sendall(_PREFIX.pack(MAGIC, len(head), len(payload)) + head + payload)


def read_frame(sock: socket.socket) -> tuple[dict, bytes]:
    """(header, payload) of the next frame; :class:`ProtocolError` when it is not one."""
    magic, hlen, plen = _PREFIX.unpack(_recv_exact(sock, _PREFIX.size))
    if magic != MAGIC:
        raise ProtocolError("not a judge-protocol frame")
    if hlen > MAX_HEADER or plen > MAX_PAYLOAD:
        raise ProtocolError(f"frame too large ({hlen} + {plen} bytes)")
    raw = _recv_exact(sock, hlen)
    payload = _recv_exact(sock, plen) if plen else b""
    try:
        header = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (ValueError, RecursionError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"malformed header: {type(exc).__name__}") from None
    if not isinstance(header, dict):
        raise ProtocolError("a frame header must be an object")
    return header, payload


def _no_constant(name: str) -> Any:
    raise ValueError(f"bare {name} in JSON")


# --------------------------------------------------------------------------- values
_CONTAINER_TAGS: dict[type, str] = {list: "l", tuple: "u", set: "s", frozenset: "fs"}


def _pandas_kind(obj: Any) -> str | None:
    """"DataFrame" or "Series" for exactly those pandas types (pandas is never imported here)."""
    t = type(obj)
    if t.__name__ in ("DataFrame", "Series") and t.__module__.split(".")[0] == "pandas":
        return t.__name__
    return None


class Encoder:
    """Turns a value into JSON-able data plus a payload; ``ref(obj)`` handles the rest."""

    def __init__(self, ref: Callable[[Any], dict]):
        self.ref = ref
        self.buffers: list[bytes] = []
        self.size = 0

    def payload(self) -> bytes:
        return b"".join(self.buffers)

    def encode(self, obj: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise ProtocolError("value nested too deeply")
        if obj is None or obj is True or obj is False:
            return obj
        if isinstance(obj, np.ndarray):
            return self._array(obj)
        pandas = _pandas_kind(obj)
        if pandas == "DataFrame":
            if obj.shape[1] > 1000:
                raise ProtocolError("DataFrame too wide")
            return {"t": "df", "cols": [self.encode(c, depth + 1) for c in obj.columns],
                    "v": [self._column(obj.iloc[:, i], depth) for i in range(obj.shape[1])],
                    "index": self._column(obj.index, depth)}
        if pandas == "Series":
            return {"t": "ser", "name": self.encode(obj.name, depth + 1), "v": self._column(obj, depth),
                    "index": self._column(obj.index, depth)}
        if type(obj) is np.random.Generator and type(obj.bit_generator) is np.random.PCG64:
            return {"t": "rng", "state": self.encode(obj.bit_generator.state, depth + 1)}
        if isinstance(obj, np.generic):
            if obj.dtype.kind not in ARRAY_KINDS:
                return self.ref(obj)
            return {"t": "np", "dtype": obj.dtype.str, "v": self.encode(obj.item(), depth + 1)}
        t = type(obj)
        if t is float:
            return obj if math.isfinite(obj) else {"t": "f", "v": repr(obj)}
        if t is int:
            if abs(obj) < 2 ** 53:
                return obj
            digits = str(obj) if obj.bit_length() < MAX_INT_DIGITS * 3.3 else ""
            if not digits or len(digits.lstrip("-")) > MAX_INT_DIGITS:
                raise ProtocolError("integer too large")
            return {"t": "i", "v": digits}
        if t is str:
            return obj if len(obj) <= MAX_STR else obj[:MAX_STR]
        if t is complex:
            return {"t": "c", "re": self.encode(obj.real, depth + 1), "im": self.encode(obj.imag, depth + 1)}
        tag = _CONTAINER_TAGS.get(t)
        if tag:
            if len(obj) > MAX_ITEMS:
                raise ProtocolError("container too large")
            return {"t": tag, "v": [self.encode(x, depth + 1) for x in obj]}
        if t is dict:
            if len(obj) > MAX_ITEMS:
                raise ProtocolError("container too large")
            return {"t": "d", "k": [self.encode(k, depth + 1) for k in obj],
                    "v": [self.encode(v, depth + 1) for v in obj.values()]}
        return self.ref(obj)

    def _column(self, col: Any, depth: int) -> Any:
        values = np.asarray(col)
        if values.dtype.kind in ARRAY_KINDS and not values.dtype.hasobject:
            return self._array(values)
        return self.encode(list(values.tolist()), depth + 1)

    def _array(self, a: np.ndarray) -> dict:
        if a.dtype.kind not in ARRAY_KINDS or a.dtype.hasobject:
            return self.ref(a)
        sub = None if type(a) is np.ndarray else f"{type(a).__module__}.{type(a).__qualname__}"
        plain = np.asarray(a).view(np.ndarray)
        if not plain.flags.c_contiguous:     # (np.ascontiguousarray alone would make a 0-d array 1-d)
            plain = np.ascontiguousarray(plain)
        data = plain.tobytes()
        if self.size + len(data) > MAX_PAYLOAD:
            raise ProtocolError("arrays too large for one message")
        off = self.size
        self.buffers.append(data)
        self.size += len(data)
        return {"t": "nd", "dtype": plain.dtype.str, "shape": list(plain.shape), "off": off, "n": len(data),
                "sub": sub}


class Decoder:
    """The inverse of :class:`Encoder`; ``ref`` and ``jref`` resolve references."""

    def __init__(self, payload: bytes, ref: Callable[[dict], Any], jref: Callable[[dict], Any],
                 subclass: Callable[[np.ndarray, str], Any] | None = None):
        self.payload, self.ref, self.jref = payload, ref, jref
        self.subclass = subclass
        self.items = 0

    def decode(self, v: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise ProtocolError("value nested too deeply")
        self.items += 1
        if self.items > MAX_ITEMS:
            raise ProtocolError("too many values in one message")
        if v is None or isinstance(v, (bool, float)):
            return v
        if isinstance(v, int):
            if abs(v) >= 2 ** 53:
                raise ProtocolError("bare integer too large")
            return v
        if isinstance(v, str):
            if len(v) > MAX_STR:
                raise ProtocolError("string too long")
            return v
        if not isinstance(v, dict):
            raise ProtocolError(f"unexpected JSON value of type {type(v).__name__}")
        tag = v.get("t")
        if tag == "nd":
            return self._array(v)
        if tag == "np":
            dtype = self._dtype(v.get("dtype"))
            return dtype.type(self.decode(v.get("v"), depth + 1))
        if tag == "f":
            if v.get("v") not in ("nan", "inf", "-inf"):
                raise ProtocolError("bad float")
            return float(v["v"])
        if tag == "i":
            s = v.get("v")
            if not isinstance(s, str) or len(s.lstrip("-")) > MAX_INT_DIGITS or not s.lstrip("-").isdigit():
                raise ProtocolError("bad integer")
            return int(s)
        if tag == "c":
            re_, im = self.decode(v.get("re"), depth + 1), self.decode(v.get("im"), depth + 1)
            if not all(isinstance(x, (int, float)) for x in (re_, im)):
                raise ProtocolError("bad complex")
            return complex(re_, im)
        if tag in ("l", "u", "s", "fs"):
            items = v.get("v")
            if not isinstance(items, list):
                raise ProtocolError("bad container")
            out = [self.decode(x, depth + 1) for x in items]
            try:
                return {"l": list, "u": tuple, "s": set, "fs": frozenset}[tag](out)
            except TypeError:
                raise ProtocolError("unhashable set item") from None
        if tag == "d":
            keys, vals = v.get("k"), v.get("v")
            if not isinstance(keys, list) or not isinstance(vals, list) or len(keys) != len(vals):
                raise ProtocolError("bad dict")
            try:
                return {self.decode(k, depth + 1): self.decode(x, depth + 1) for k, x in zip(keys, vals)}
            except TypeError:
                raise ProtocolError("unhashable dict key") from None
        if tag in ("df", "ser"):
            import pandas as pd
            index = self.decode(v.get("index"), depth + 1)
            if tag == "ser":
                values = self.decode(v.get("v"), depth + 1)
                name = self.decode(v.get("name"), depth + 1)
                try:
                    return pd.Series(values, index=index, name=name)
                except (TypeError, ValueError):
                    raise ProtocolError("bad Series") from None
            cols, values = v.get("cols"), v.get("v")
            if not isinstance(cols, list) or not isinstance(values, list) or len(cols) != len(values):
                raise ProtocolError("bad DataFrame")
            names = [self.decode(c, depth + 1) for c in cols]
            data = [self.decode(x, depth + 1) for x in values]
            try:
                frame = pd.DataFrame(dict(enumerate(data)), index=index)
                frame.columns = names
            except (TypeError, ValueError):
                raise ProtocolError("bad DataFrame") from None
            return frame
        if tag == "rng":
            state = self.decode(v.get("state"), depth + 1)
            if not isinstance(state, dict) or state.get("bit_generator") != "PCG64":
                raise ProtocolError("bad generator state")
            bits = np.random.PCG64()
            try:
                bits.state = state  # type: ignore[assignment]  # validated by numpy itself
            except (TypeError, ValueError, KeyError, OverflowError):
                raise ProtocolError("bad generator state") from None
            return np.random.Generator(bits)
        if tag == "ref":
            return self.ref(v)
        if tag == "jref":
            return self.jref(v)
        raise ProtocolError(f"unknown value tag {str(tag)[:20]!r}")

    @staticmethod
    def _dtype(s: Any) -> np.dtype:
        if not isinstance(s, str) or len(s) > 8:
            raise ProtocolError("bad dtype")
        try:
            dtype = np.dtype(s)
        except TypeError:
            raise ProtocolError("bad dtype") from None
        if dtype.kind not in ARRAY_KINDS or dtype.hasobject or dtype.fields:
            raise ProtocolError(f"arrays of dtype {dtype} do not cross by value")
        return dtype

    def _array(self, v: dict) -> Any:
        dtype = self._dtype(v.get("dtype"))
        shape, off, n = v.get("shape"), v.get("off"), v.get("n")
        if not isinstance(shape, list) or len(shape) > 32 or \
                not all(type(d) is int and 0 <= d < 2 ** 40 for d in shape) or \
                type(off) is not int or type(n) is not int or off < 0 or n < 0 or off + n > len(self.payload):
            raise ProtocolError("bad array header")
        count = math.prod(shape)
        if count * dtype.itemsize != n:
            raise ProtocolError("array size does not match its shape")
        a = np.frombuffer(self.payload, dtype=dtype, count=count, offset=off).reshape(shape).copy()
        sub = v.get("sub")
        if sub is not None:
            if not isinstance(sub, str):
                raise ProtocolError("bad array subclass name")
            if self.subclass is not None:
                return self.subclass(a, sub[:200])
        return a
