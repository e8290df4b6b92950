"""Hidden checks of Lab 07 (convolutional layers in NumPy: conv, max-pooling, flatten).

Layout (the lab's conventions): images ``x`` are ``(N, C_in, H, W)``, kernels ``w`` are
``(C_out, C_in, KH, KW)``, biases ``b`` are ``(C_out,)``; a convolution is the
cross-correlation ``out[n, o, i, j] = b[o] + sum_{c,u,v} w[o, c, u, v] xp[n, c, i*s + u, j*s + v]``
of the zero-padded input ``xp``.  The backward functions receive the forward's *inputs*
(``x``, ``w``), never anything the student's forward computed, so a wrong forward costs only
the forward's cell.

The oracles here are written independently of the reference solution: explicit loops over
output positions (one einsum per position), window starts counted with ``range`` instead of
the output-size formula, gradients scattered window by window, and centred finite
differences in float64 as a witness for every gradient.  When a value is wrong, known
mistakes are recognised by the value they produce (kernel flipped, bias missing, ...), and
otherwise by the cases that pass and fail: right only where windows do not overlap means
overlapping contributions were overwritten, right only for stride 1 means the stride was
ignored, and so on.  Nothing here prints.
"""
from __future__ import annotations

import ast
import inspect
import itertools
import re
import warnings

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import core
from .cases import GENERIC_DIAGNOSES, explain_broadcast
from .core import expect_array, expect_close, fail
from .formula import explain_formula
from .isolate import explain_arguments

# Read by the grading sandbox's guard: the layers must be the student's NumPy code.
FORBIDDEN_IMPORTS = ("torch", "tensorflow", "jax", "keras", "autograd", "sklearn")


def _diag_id(text: str) -> str:
    """A stable diagnosis id from a sentence: its words, lower case, joined by hyphens."""
    words = re.findall(r"[a-z]+", re.sub(r"\d+(\.\d+)?", " ", text.lower()))
    return "-".join(words)[:60].strip("-") or "unnamed"

_float64 = np.float64
_array_equal = np.array_equal

#: What each check verifies beside the oracle (graded function x property), for reports.
PROPERTIES = {
    "conv_output_size": ("oracle (window starts counted with range)", "strides 1 to 4", "paddings 0 to 2",
                         "kernel as long as the input", "whole number returned", "one formula explains every answer",
                         "arguments mixed up named (permutations tried, also when it raises)",
                         "one edit of the formula named (syntax tree: parentheses, a term)",
                         "a numerator term moved outside the division named", "parentheses regrouped named",
                         "documented defaults (stride=1, pad=0) named",
        "an argument the result ignores found by changing it"),
    "conv2d_forward": ("oracle (one einsum per output position)", "pairwise-different N/C_in/C_out/H/W",
                       "broadcast operands named as the call's arguments (the bias combined with x's input channels)",
                       "batch 1", "odd batch", "non-square and 1x1 kernels", "strides 1 to 3", "paddings 0 to 2",
                       "one output channel (C_out = 1)", "an output axis of size 0 at pad = 0 named (pad:-pad)",
                       "float32 and float64", "dtype kept", "inputs not modified",
                       "shape mistakes explained across every case",
                       "right only without padding / for stride 1 / square kernels / float64 named",
                       "right only when C_in == C_out named (probe cases)", "broadcasting and einsum errors explained",
                       "sizes in NumPy errors named (C_out, W_out, C*H...)", "bias added k times named (k a case size)",
                       "result dtype vs input dtype named both ways", "extra / missing axes of length 1 named",
                        "same shapes called again with new values (cache / global kept between calls named)",
                       "wrong shapes read with the case sizes across cases (N, C_out, H_out, W_out(pad 0)...)",
                       "last window dropped (range stop) named", "documented defaults (stride=1, pad=0) named",
                       "a mean over c, u, v (sum scaled by a case size) named",
                       "which input the error comes from (isolate: x, w or b zeroed / perturbed)",
        "unpadded output sizes told apart by the values (padding ignored / sizes without pad)",
        "w ignored after the first call (re-run with another w)",
        "im2col built with the window axes in another order (reshape without the transpose) named (720 orders)",
        "kernel entries read in another (C_in, KH, KW) order named", "one input channel alone named",
        "an empty slice at pad 0 (pad:-pad) named", "size labels only from readings no other numbers give "
        "(pads of the batch / channel axes as alternatives, ties unread)",
        "the first window's start read with a one-hot kernel (stride - 1, shifted by pad) named",
        "::stride on the wrong axes of the window view read from reshape errors named"),
    "conv2d_backward": ("oracle (window by window) checked by finite differences",
                        "dx read against the kernel with any set of axes reversed, channel axes included (rot90 / "
                        "flip without axes) named", "linear in dout (entries of negative dout dropped / sign lost named)",
                        "forward's inputs only (no student cache)", "pairwise-different N/C_in/C_out/H/W",
                        "batch 1", "odd batch", "overlap without padding and padding without overlap",
                        "strides 1 to 3", "paddings 0 to 2", "float32 and float64", "dtype kept",
                        "one output channel (db of shape (1,))",
                        "inputs not modified", "right only without overlap / for stride 1 / without padding named",
                        "factor equal to a case size named (averaged over positions, ...)",
                        "right only when C_in == C_out named (probe cases)", "broadcasting and einsum errors explained",
                        "skipped output rows / columns named (dout on one row or column at a time)",
                        "right only with padding (pad = 0 breaks) named", "dw kernel axes swapped named",
                        "patterns said about the output that failed (dx, dw or db)",
                        "wrong dx/dw/db shapes read with the case sizes across cases",
                        "sizes computed without the padding named (H_out(pad 0))",
                        "documented defaults (stride=1, pad=0) named",
                        "which input the wrong output comes from (isolate: dout, x or w)",
                        "same shapes called again with new values (cache / global kept between calls named)",
        "dw/db of one sample only named", "dout read with H_out/W_out swapped named",
        "with H_out == W_out the (i, j) swap named as the pairing of positions and windows (either side)",
        "dw's numbers in the wrong places (reshape for transpose) named", "dx's wrong-shape axes named",
        "dw as the product of batch sums named", "every output of sample 0 only (loop exited early) named",
        "an index lost (one input frozen at index 0 or summed) named", "dx constant along the batch or the channels named",
        "batch / channel slices left at 0 named", "a slice numpy cut short read from a broadcasting error named",
        "dx cropped from the padded gradient at another offset (top-left corner, ...) named"),
    "maxpool2d_forward": ("oracle", "pairwise-different N/C/H/W", "batch 1", "odd batch", "overlapping windows",
                          "partial windows dropped", "float32 and float64", "dtype kept", "inputs not modified",
                          "right only when the windows tile the image named",
                          "distinct inputs: the window the code really used (offsets) named", "keepdims axes named",
                          "wrong shapes read with the case sizes across cases", "documented defaults (size=2, stride=2) named",
                          "windows spread out by the stride (x subsampled first) named",
                        "same shapes called again with new values (cache / global kept between calls named)",
        "argmax for max named", "stride along one axis only named", "H // stride and H // size sizes named",
        "an axis number gone after a reduction explained", "the pair of axes pooled over read from the values named"),
    "maxpool2d_backward": ("oracle", "unique maxima", "linear in dout (entries of negative dout dropped / sign lost named)",
                           "window state shared across images / channels (windows that get nothing) named",
                           "tied maxima: the whole dout to one", "overlapping windows add up",
                           "strides 1 to 3", "batch 1", "odd batch", "float32 and float64", "dtype kept",
                           "dx in x's dtype when dout comes in another dtype",
                           "maxima of windows with other pooling arguments (size, stride not passed on) named",
                           "inputs not modified", "right only without overlap / for stride 1 named",
                           "raises only with overlapping windows named",
                           "gradient to the window's minimum (argmin) named", "dout / size**2 at the maximum named",
                           "a loop over output positions past dout (IndexError at dout's size) named",
                           "windows grouped by the offset of their maximum (loop over offsets stopped early) named",
                           "skipped output rows / columns named", "index errors read with the case sizes",
                           "right for one image and one channel only named (maxima across images/channels)",
                           "dx that ignores x's values (another x, same dx) named",
                           "shapes quoted in errors that are an argument's (dout) named",
                           "documented defaults (size=2, stride=2) named",
                        "same shapes called again with new values (cache / global kept between calls named)",
        "a stride lost to the default named", "dx = mask of the maxima named",
        "a slice start past its window offset read from the cases that raise when others give wrong values",
        "a window's maximum along one axis only named", "dout compared where the maxima belong (right when dout = "
        "the maxima) named"),
    "flatten": ("(C, H, W) order per sample", "backward = inverse reshape", "batch 1", "odd batch",
                "float32 and float64", "dtype kept", "inputs not modified", "right for a batch of one only named",
                "wrong shapes read with the sizes across cases ((N, C, H*W) for (N, C*H*W))",
        "every order of the (C, H, W) axes named", "first case of pairwise coprime sizes > 2 (products read "
        "unambiguously)", "a square side int(sqrt(C*H*W)) named", "a (features, N) transposed result named"),
}

# Tolerances by dtype: float32 carries ~7 significant digits, sums of ~100 products lose a few.
_TOL = {np.dtype(np.float64): (1e-6, 1e-8), np.dtype(np.float32): (2e-4, 2e-5)}


def _tol(dtype) -> dict:
    rtol, atol = _TOL.get(np.dtype(dtype), _TOL[np.dtype(np.float32)])
    return {"rtol": rtol, "atol": atol}


# ---------------------------------------------------------------------------------------------
# Cases: (N, C_in, H, W, C_out, KH, KW, stride, pad, dtype). Heights, widths and channel counts
# differ from each other; batch 1 and odd batches; overlapping and non-overlapping windows;
# strides 1, 2, 3; paddings 0, 1, 2; a 1x1 kernel; float64 and float32.
# ---------------------------------------------------------------------------------------------
CONV_CASES = [
    (7, 2, 12, 9, 8, 3, 4, 1, 0, np.float64),   # first: every size differs from the others and from 1 (a slip shows)
    (4, 3, 6, 5, 7, 1, 1, 1, 0, np.float64),    # 1x1 kernel: no overlap, no padding
    (3, 2, 7, 9, 4, 3, 3, 1, 1, np.float64),    # the lab's own 3x3 / stride 1 / pad 1
    (6, 3, 9, 10, 2, 2, 2, 2, 0, np.float64),   # windows tile the image (stride = kernel)
    (1, 3, 8, 11, 5, 3, 2, 2, 1, np.float64),   # batch of one, non-square kernel, stride 2
    (2, 1, 11, 7, 5, 5, 3, 3, 2, np.float64),   # one input channel, stride 3, pad 2
    (5, 4, 8, 7, 3, 3, 2, 1, 0, np.float64),    # overlapping windows without padding
    (2, 3, 6, 9, 4, 2, 2, 2, 1, np.float64),    # padding without overlapping windows
    (5, 3, 10, 12, 8, 3, 3, 1, 1, np.float32),  # float32 in, float32 out
    (3, 2, 7, 6, 1, 3, 3, 1, 1, np.float64),    # one output channel (a single filter): db has shape (1,)
    (2, 3, 5, 8, 4, 2, 2, 1, 1, np.float64),    # output LARGER than the input (2x2 kernel, pad 1)
]

#: the options of a convolution case (stride, pad) and their plainest values, for _raises_by_option.
CONV_OPTIONS = ((lambda c: c[7] != 1, "stride other than 1", "stride 1"), (lambda c: c[8] != 0, "pad other than 0",
                                                                             "pad 0"))
CONV_RULE = "window (i, j) starts at row i * stride, column j * stride of the input padded by pad on each side"

# Run only when the regular cases fail: the same layouts with C_in == C_out (and one with
# H == W), so that a mistake right only for such shapes is named (an axis of w used for the other).
PROBE_CASES = [
    (3, 4, 7, 9, 4, 3, 3, 1, 1, np.float64),
    (2, 3, 9, 10, 3, 2, 2, 2, 0, np.float64),
    (3, 2, 8, 8, 5, 3, 3, 1, 1, np.float64),
    (1, 3, 7, 7, 2, 2, 2, 1, 0, np.float64),     # a second square case of other sizes (batch 1): confirms a reading
]
PROBE_PATTERNS = [
    (lambda c: c[1] != c[4], "right only when C_in == C_out: an axis of w is used in place of the other; "
                             "w is (C_out, C_in, KH, KW), out channel o = sum over the input channels c of "
                             "w[o, c] * x[:, c] (forward), dx[:, c] = sum over the output channels o of "
                             "dout[:, o] * w[o, c] (backward)", "channels-square-only"),
    (lambda c: c[2] != c[3], "right only for square images (H == W): H and W are mixed up somewhere (an index, "
                             "a shape or an axis)", "square-image-only"),
]


def _overlapping(case) -> bool:
    _, _, _, _, _, kh, kw, s, _, _ = case
    return s < kh or s < kw


def _describe_conv(case) -> str:
    n, c, h, w, co, kh, kw, s, p, dt = case
    return (f"x of shape {(n, c, h, w)}, w of shape {(co, c, kh, kw)}, stride {s}, pad {p}"
            f"{' (float32)' if np.dtype(dt) == np.float32 else ''}")


def _conv_inputs(r, case):
    n, c, h, w, co, kh, kw, _, _, dt = case
    x = r.normal(0, 1, (n, c, h, w)).astype(dt)
    wt = r.normal(0, 1 / np.sqrt(c * kh * kw), (co, c, kh, kw)).astype(dt)
    b = r.normal(0, 0.5, co).astype(dt)
    return x, wt, b


# ---------------------------------------------------------------------------------------------
# Oracles (float64)
# ---------------------------------------------------------------------------------------------

def _starts(n: int, k: int, stride: int) -> list[int]:
    """Positions where a window of size k starts along an axis of length n (padded)."""
    return list(range(0, n - k + 1, stride))


def _padded(x, pad, mode="constant"):
    x = np.asarray(x, dtype=_float64)
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode=mode) if pad else x


def _conv(x, w, b, stride, pad, *, mode="constant"):
    """Cross-correlation, one einsum per output position."""
    xp = _padded(x, pad, mode)
    w = np.asarray(w, dtype=_float64)
    kh, kw = w.shape[2:]
    rows, cols = _starts(xp.shape[2], kh, stride), _starts(xp.shape[3], kw, stride)
    out = np.empty((x.shape[0], w.shape[0], len(rows), len(cols)))
    for i, r0 in enumerate(rows):
        for j, c0 in enumerate(cols):
            out[:, :, i, j] = np.einsum("ncuv,ocuv->no", xp[:, :, r0:r0 + kh, c0:c0 + kw], w)
    return out + np.asarray(b, dtype=_float64)[None, :, None, None]


def _conv_grads(dout, x, w, stride, pad, *, place=None):
    """(dx, dw, db) by scattering each output position's contribution into its window.

    ``place`` overrides the stride used to *place* the windows of dx (a mistake diagnosis).
    """
    dout = np.asarray(dout, dtype=_float64)
    xp = _padded(x, pad)
    w = np.asarray(w, dtype=_float64)
    kh, kw = w.shape[2:]
    rows, cols = _starts(xp.shape[2], kh, stride), _starts(xp.shape[3], kw, stride)
    step = stride if place is None else place
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for i, r0 in enumerate(rows):
        for j, c0 in enumerate(cols):
            g = dout[:, :, i, j]
            dw += np.einsum("no,ncuv->ocuv", g, xp[:, :, r0:r0 + kh, c0:c0 + kw])
            y0, x0 = i * step, j * step
            dxp[:, :, y0:y0 + kh, x0:x0 + kw] += np.einsum("no,ocuv->ncuv", g, w)
    h, wd = x.shape[2:]
    return dxp[:, :, pad:pad + h, pad:pad + wd], dw, dout.sum(axis=(0, 2, 3))


def _pool(x, size, stride, *, reduce="max"):
    x = np.asarray(x, dtype=_float64)
    rows, cols = _starts(x.shape[2], size, stride), _starts(x.shape[3], size, stride)
    out = np.empty(x.shape[:2] + (len(rows), len(cols)))
    for i, r0 in enumerate(rows):
        for j, c0 in enumerate(cols):
            window = x[:, :, r0:r0 + size, c0:c0 + size].reshape(x.shape[0], x.shape[1], -1)
            out[:, :, i, j] = window.max(axis=2) if reduce == "max" else window.mean(axis=2)
    return out


def _pool_grad(dout, x, size, stride, *, route="argmax", place=None, swap=False, unravel=None, offsets=None):
    """dx of max-pooling; ``route``/``place``/``swap`` reproduce known mistakes for diagnoses; ``offsets``
    (rows, cols): only maxima at window offsets below these receive their window's gradient (the others are lost)."""
    x = np.asarray(x, dtype=_float64)
    dout = np.asarray(dout, dtype=_float64)
    rows, cols = _starts(x.shape[2], size, stride), _starts(x.shape[3], size, stride)
    step = stride if place is None else place
    dx = np.zeros_like(x)
    for i, r0 in enumerate(rows):
        for j, c0 in enumerate(cols):
            window = x[:, :, r0:r0 + size, c0:c0 + size]
            y0, x0 = i * step, j * step
            g = dout[:, :, i, j][:, :, None, None]
            if route == "all":
                dx[:, :, y0:y0 + size, x0:x0 + size] += g
                continue
            if route == "mean":
                dx[:, :, y0:y0 + size, x0:x0 + size] += g / size ** 2
                continue
            flat = window.reshape(window.shape[0], window.shape[1], -1).argmax(axis=2)
            u, v = np.divmod(flat, unravel or size)
            if swap:
                u, v = v, u
            for n in range(x.shape[0]):
                for c in range(x.shape[1]):
                    if offsets is None or (u[n, c] < offsets[0] and v[n, c] < offsets[1]):
                        dx[n, c, y0 + u[n, c], x0 + v[n, c]] += dout[n, c, i, j]
    return dx


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

def _call(fn, args, name, context, hints=None, want=None):
    """core.call, with the inputs named in every failure message (and a hint when one of
    ``hints``' keys occurs in the message: key -> (hint, diagnosis id)).  ``want``: the oracle's value for
    this call (or a callable giving it): a raising call then carries it, for the judge's one-change search."""
    try:
        return core.call(fn, *args, name=name, want=want)
    except core.CheckFailure as exc:
        try:
            _call_failure(exc, fn, args, name, context, hints)
        except core.CheckFailure as said:
            if getattr(said, "compared", None) is None and getattr(exc, "compared", None) is not None:
                said.compared = exc.compared        # the search still applies to the call that raised
            raise


def _call_failure(exc, fn, args, name, context, hints):
    """The failure of a call (a raise or a modified input) said with the inputs and a hint (always raises)."""
    text = str(exc)
    _student_assert(exc, context)
    found = next((h for key, h in (hints or {}).items() if key in text.replace(" ", "")), None)
    if found:
        fail(f"{text} (called with {context}): {found[0]}", found[1])
    _pad_width_per_axis(exc, text, context)
    _hard_coded_size(exc, text, name, context)
    _slice_end_without_stride(fn, exc, text, name, args, context)
    _argument_rebound(exc, fn, args, name, context)
    if "modified its input argument #" in text:
        _reshaped_in_place(fn, args, name, context, text)
        fail(f"{text} (called with {context})", exc.diagnosis or _call_diagnosis(text))
    _empty_slice(text, name, args, context)
    _pool_global_max(fn, text, name, args, context)
    _stride_got_zero(fn, text, name, args, context)
    broadcast = explain_broadcast(text, einsum_example="o for the output channels: dout[:, o] and w[o]; "
                                                       "c for the input channels: w[:, c] and x[:, c]")
    sizes = _name_sizes(text, _dims(name, args))
    owner = _argument_shapes(text, name, args)
    if sizes and "differ by exactly ONE" in sizes:     # the general reading (layouts mixed) does not apply
        fail(f"{text} (called with {context}): {sizes}", "raised-broadcast-off-by-one")
    if broadcast:
        _operands_named(text, name, args, context)
        fail(f"{text} (called with {context}): {broadcast}{'; ' + sizes if sizes else ''}{owner}", "raised-broadcast")
    if sizes:
        fail(f"{text} (called with {context}): {sizes}", (exc.diagnosis or _call_diagnosis(text)) + "-sizes-named")
    said = next(((sentence, slug) for key, (sentence, slug) in _NUMPY_ERRORS.items() if key in text), None)
    if said:
        fail(f"{text} (called with {context}): {said[0]}", said[1])
    fail(f"{text} (called with {context})", exc.diagnosis or _call_diagnosis(text))


#: the documented parameters of the graded functions (the judge may hold a proxy without a signature)
_PARAMETERS = {"conv2d_forward": ("x", "w", "b", "stride", "pad"), "conv2d_backward": ("dout", "x", "w", "stride", "pad"),
               "maxpool2d_forward": ("x", "size", "stride"), "maxpool2d_backward": ("dout", "x", "size", "stride")}


def _argument_rebound(exc, fn, args, name: str, context: str) -> None:
    """A raise "'int' object is not subscriptable" (or has no attribute) at a line that indexes a PARAMETER that
    was given an array: inside the function that name holds a number, so it was rebound (a loop variable of the
    same name, for w in range(W_out), is the usual way)."""
    text = str(exc)
    m = re.search(r"'(int|float|numpy\.int64|numpy\.float64)' object (is not subscriptable|has no attribute)", text)
    quoted = re.search(r"\(raised at `(.*?)`", text)
    line = core.raised_line(exc) or (quoted.group(1) if quoted else "")
    if not m or not line:
        return
    try:
        params = [q.name for q in inspect.signature(fn).parameters.values()
                  if q.kind in (q.POSITIONAL_ONLY, q.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    params = params or list(_PARAMETERS.get(name.split(" ")[0], ()))   # a proxy of the kernel's function
    for pname, value in zip(params, args):
        if isinstance(value, np.ndarray) and re.search(rf"(?<![\w.]){re.escape(pname)}(\[|\.\w)", line):
            fail(f"{text} (called with {context}): `{pname}` is an argument of {name} and was given an array, but at "
                 f"this line it holds a number ({m.group(1)}): the name was rebound inside the function, typically by "
                 f"a loop variable of the same name (for {pname} in range(...)); give the loop variable another name "
                 f"so that {pname} stays the argument", "argument-rebound-by-loop-variable")


def _reshaped_in_place(fn, args, name: str, context: str, text: str) -> None:
    """An input came back modified: call again on fresh copies and see whether that argument changed its SHAPE
    (arr.shape = ... / arr.resize: in process the shape differs; through the judge a shape change marks only the
    first entry as nan, every other entry unchanged)."""
    k = int(re.search(r"argument #(\d+)", text).group(1)) - 1
    fresh = [np.array(a) if isinstance(a, np.ndarray) else a for a in args]
    if k >= len(fresh) or not isinstance(fresh[k], np.ndarray) or fresh[k].dtype.kind != "f" or fresh[k].size < 2:
        return
    if np.isnan(fresh[k].flat[0]):      # the first call's shape change, as the judge mirrors it: a number again
        fresh[k].flat[0] = 0.5
    before = fresh[k].copy()
    try:
        core.call(fn, *fresh, name=name)
    except core.CheckFailure as again:      # the same modification is expected; anything else: the first failure
        if "modified its input" not in str(again):
            return
    after = fresh[k]
    if after.shape == before.shape:
        rest = np.ones(before.size, bool)
        rest[0] = False
        if not (np.isnan(after.flat[0]) and not np.isnan(before.flat[0])
                and np.array_equal(after.reshape(-1)[rest], before.reshape(-1)[rest])):
            return
    names = {"conv2d_forward": ("x", "w", "b"), "maxpool2d_forward": ("x",), "maxpool2d_backward": ("dout", "x"),
             "flatten_forward": ("x",), "flatten_backward": ("dout",),
             "conv2d_backward": ("dout", "x", "w")}.get(name, ())
    arg = names[k] if k < len(names) else "the array"
    fail(f"{name} modified its input argument #{k + 1} ({arg}) in place (called with {context}): it changed the "
         f"SHAPE of the caller's {arg} ({arg}.shape = ... or {arg}.resize(...) reshapes the array passed in); use "
         f"{arg}.reshape(...), which returns a new view and leaves the caller's array alone", "input-reshaped")


def _positions_flattened_apart(dout, x, wt, s, p) -> dict:
    """dw readings: g = dout.transpose(1, ...).reshape(C_out, -1) with the batch and position axes (N, H_out, W_out)
    in another order than the columns of cols (N, H_out, W_out); each as dw from the dout those columns then meet."""
    n, co, ho, wo = dout.shape
    names = {0: "N", 2: "H_out", 3: "W_out"}
    out = {}
    for perm in ((2, 3, 0), (0, 3, 2), (3, 2, 0), (2, 0, 3), (3, 0, 2)):
        sizes = tuple(dout.shape[a] for a in perm)
        if sizes == (n, ho, wo):
            continue            # the same memory order as the rule's: nothing to tell apart
        order = ", ".join(names[a] for a in perm)

        def reading(perm=perm):
            g = dout.transpose(1, *perm).reshape(co, -1)
            return _conv_grads(np.ascontiguousarray(g.reshape(co, n, ho, wo).transpose(1, 0, 2, 3)), x, wt, s, p)[1]
        out[f"dw is g @ cols.T with g's columns flattened in the order ({order}) and cols' in (N, H_out, W_out): the "
            f"batch and position axes are flattened in different orders for g and cols, so each dout value meets "
            f"another position's window; flatten both the same way: g = dout.transpose(1, 0, 2, 3).reshape(C_out, "
            f"-1)"] = reading
    return out


def _student_assert(exc, context: str) -> None:
    """An AssertionError raised by an `assert` line of the student's own code on a call the checks make: every call
    is within the docstring, so the assert rejects a valid input (a CS231n divisibility assert, most often)."""
    line = core.raised_line(exc).strip()
    if "raised AssertionError" not in str(exc) or not line.startswith("assert"):
        return
    why = ("(n + 2*pad - k) need not be divisible by stride: the floor division in (n + 2*pad - k) // stride + 1 "
           "drops the partial last window, as the docstring's formula does" if "%" in line else
           "the checks only make calls the docstring allows")
    fail(f"{str(exc).split(' (called with')[0]} (called with {context}): your assert rejects a valid input: {why}; "
         f"remove the assert (or make it test only what the docstring requires)", "assert-rejects-valid-input")


def _slice_lengths(out: int, stride: int, k: int) -> set:
    """The lengths of the slices u:u + out:stride, u in range(k): a slice end without the `stride *`."""
    return {len(range(u, u + out, stride)) for u in range(max(k, 1))}


def _short_slice(text: str, d: dict, stride: int, k: int):
    """The (H, W) lengths of a quoted 4-d shape that are those of slices u:u + H_out:stride (not H_out itself)."""
    said = re.sub(r"`[^`]*`", "", text.split(" (called")[0])
    quoted = [tuple(int(v) for v in re.findall(r"\d+", g)) for g in re.findall(r"\(([\d, ]+)\)", said)]
    for q in quoted:
        if len(q) == 4 and q[2:] != (d["H_out"], d["W_out"]) and q[2] in _slice_lengths(d["H_out"], stride, k) \
                and q[3] in _slice_lengths(d["W_out"], stride, k):
            return q
    return None


SIZES_FROM = {"flatten_forward": "x.reshape(x.shape[0], -1)", "flatten_backward": "dout.reshape(x_shape)"}


def _hard_coded_size(exc, text: str, name: str, context: str) -> None:
    """A reshape that raised because a size it asks for is a number written in the raising line (28, 784, ...):
    a hard-coded size fits one input only; told before any reading of that number as a product of the call's
    sizes (which would fit by coincidence)."""
    m = re.search(r"cannot reshape array of size \d+ into shape \(([-\d, ]*)\)", text)
    line = core.raised_line(exc)
    if not m or not line:
        return
    literals = set()
    for start in (k.end() for k in re.finditer(r"reshape\(", line)):     # the reshape's own arguments only
        depth, end = 1, start
        while end < len(line) and depth:
            depth += {"(": 1, ")": -1}.get(line[end], 0)
            end += 1
        inner = line[start:end - 1].strip()
        inner = inner[1:-1] if inner.startswith("(") and inner.endswith(")") else inner
        literals |= {int(a) for a in inner.split(",") if re.fullmatch(r"\s*\d+\s*", a)}
    hard = [v for v in dict.fromkeys(int(v) for v in re.findall(r"\d+", m.group(1))) if v > 1 and v in literals]
    if not hard:
        return
    how = SIZES_FROM.get(name, "x.shape, the shapes passed in")
    fail(f"{text} (called with {context}): the size{'s' if len(hard) > 1 else ''} "
         f"{', '.join(map(str, hard))} asked for {'are numbers' if len(hard) > 1 else 'is a number'} written in "
         f"your code (`{line.strip()}`): a hard-coded size fits one input only (28 x 28 MNIST images?); take every "
         f"size from the arguments: {how}", "hard-coded-size")


def _pad_width_per_axis(exc, text: str, context: str) -> None:
    """An error raised at a line calling np.pad whose pad_width could not be spread over the array's axes
    (numpy's "requested shape (ndim, 2)"): np.pad takes one (before, after) pair PER AXIS of the array it pads."""
    wanted = re.search(r"requested shape \((\d+), ?2\)", text)
    if "pad(" not in core.raised_line(exc) or not wanted:
        return
    ndim = int(wanted.group(1))
    pairs = ", ".join(["(0, 0)"] * (ndim - 2) + ["(pad, pad)"] * 2) if ndim >= 2 else "(pad, pad)"
    fail(f"{text} (called with {context}): the error is raised inside np.pad: its pad_width needs one (before, after) "
         f"pair PER AXIS of the array it pads, and that array has {ndim} axes; a batch (N, C, H, W) is padded on "
         f"its two spatial axes only: np.pad(x, ({pairs}))", "pad-width-per-axis")


def _slice_end_without_stride(fn, exc, text: str, name: str, args, context: str) -> None:
    """A broadcast error quoting (.., a, b) where a and b are the lengths of slices u:u + H_out:stride and
    v:v + W_out:stride (the end without `stride *`, right only for stride 1).  Told when a second call, of other
    sizes (H_out = 5, W_out = 7, stride 2), raises with the slice lengths of that call too."""
    if name not in ("maxpool2d_backward", "conv2d_backward"):    # (forward: _slice_end_offset across the cases)
        return
    if re.search(r"stride\s*\*|\*\s*stride", core.raised_line(exc)):
        return      # the raising line's slice ends do hold the stride: an array of the wrong size (dx like dout?)
    d = _dims(name, args)
    stride = args[3] if name.startswith("conv2d") or name == "maxpool2d_backward" else args[2]
    k = d.get("size") or max(d.get("KH", 1), d.get("KW", 1))
    if not d or not isinstance(stride, int) or stride < 2 or _short_slice(text, d, stride, k) is None:
        return
    r = np.random.default_rng(11)
    if name.startswith("maxpool2d"):
        x = r.normal(size=(2, 3, 10, 14))
        second = (r.normal(size=(2, 3, 5, 7)), x, 2, 2) if name == "maxpool2d_backward" else (x, 2, 2)
        d2, k2 = {"H_out": 5, "W_out": 7}, 2
    else:
        x, w = r.normal(size=(2, 2, 10, 14)), r.normal(size=(3, 2, 2, 2))
        second = (x, w, r.normal(size=3), 2, 0) if name == "conv2d_forward" else \
            (r.normal(size=(2, 3, 5, 7)), x, w, 2, 0)
        d2, k2 = {"H_out": 5, "W_out": 7}, 2
    try:
        core.call(fn, *second, name=name)
        return
    except core.CheckFailure as again:
        q2 = _short_slice(str(again), d2, 2, k2)
    if q2 is None:
        return
    q = _short_slice(text, d, stride, k)
    fail(f"{text} (called with {context}): the shape {q} has {q[2]} x {q[3]} positions where H_out x W_out = "
         f"{d['H_out']} x {d['W_out']} belong: {q[2]} = len(range(u, u + H_out, stride)), the length of a slice "
         f"u:u + H_out:stride (and the same with H_out = 5, W_out = 7, stride 2: {q2[2]} x {q2[3]}); the slice end "
         f"is missing `stride *`: u:u + stride*H_out:stride (right only for stride 1)", "slice-end-without-stride")


def _pool_global_max(fn, text: str, name: str, args, context: str) -> None:
    """A pooling backward error quoting the shape (N, C, 1, 1): one value per image and channel, a reduction over
    all of H and W, where max pooling has one maximum per window (N, C, H_out, W_out).  Confirmed when the same
    function is right on an input that is ONE window per channel (there the channel's maximum is the window's)."""
    if name != "maxpool2d_backward":
        return
    d = _dims(name, args)
    said = re.sub(r"`[^`]*`", "", text.split(" (called")[0])
    quoted = [tuple(int(v) for v in re.findall(r"\d+", g)) for g in re.findall(r"\(([\d, ]+)\)", said)]
    whole = (d.get("N"), d.get("C"), 1, 1)
    if not d or whole not in quoted or (d["H_out"], d["W_out"]) == (1, 1):
        return
    size = d["size"]
    r = np.random.default_rng(7)
    x1 = r.permutation(d["N"] * d["C"] * size * size).reshape(d["N"], d["C"], size, size).astype(_float64)
    dout1 = r.normal(size=(d["N"], d["C"], 1, 1))
    try:
        got = np.asarray(core.call(fn, dout1, x1, size, size, name=name), _float64)
    except core.CheckFailure:
        return
    if got.shape != x1.shape or not core.close(got, _pool_grad(dout1, x1, size, size), 1e-9, 1e-12):
        return
    fail(f"{text} (called with {context}): the array of shape (N, C, 1, 1) = {whole} holds ONE value per image and "
         f"channel: a reduction over all of H and W (x.max(axis=(2, 3), keepdims=True) is the channel's global "
         f"maximum); max pooling takes the maximum of each WINDOW, one per output position (N, C, H_out, W_out) = "
         f"{(d['N'], d['C'], d['H_out'], d['W_out'])}: reduce each window (its last two axes)", "pool-global-max")


def _empty_slice(text: str, name: str, args, context: str) -> None:
    """An error quoting a shape with a 0 in it: a slice came out EMPTY; with pad = 0 in the call the usual one
    is a:-pad, which is a:-0 = a:0."""
    said = re.sub(r"`[^`]*`", "", text.split(" (called")[0])     # the shapes of the error, not the quoted code's
    quoted = [tuple(int(d) for d in re.findall(r"\d+", g)) for g in re.findall(r"\(([\d, ]+)\)", said)]
    empty = [q for q in quoted if 0 in q]
    if not empty:
        return
    pad = args[4] if name.startswith("conv2d") and len(args) > 4 else None
    if pad != 0:            # the patterns across cases (padding, stride) say more than an empty slice alone
        return
    fail(f"{text} (called with {context}): the shape {empty[0]} has an axis of size 0: a slice came out EMPTY"
         + (": with pad = 0, a slice pad:-pad is 0:-0 = 0:0, which is empty (-0 is 0, not the end); write "
            "pad:pad + H and pad:pad + W (or pad:H + pad) instead of pad:-pad" if pad == 0 else
            ": a slice whose end comes before its start (an end computed as a negative number, or from another "
            "size?)"), "empty-slice-pad-zero" if pad == 0 else "empty-slice")


# NumPy's own words for an error -> what they mean in a student's code (said when nothing sharper applies).
_NUMPY_ERRORS = {
    "setting an array element with a sequence": (
        "an ARRAY was assigned to ONE element (out[n, o, i, j] = ...): the right-hand side has several values "
        "where one number belongs: a whole vector where one entry of it is meant (b instead of b[o]), or a sum "
        "that keeps an axis", "array-into-one-element"),
    "is out of bounds for array of dimension": (
        "an axis number the array does not have (axes are numbered 0 .. ndim - 1): after a reduction without "
        "keepdims (.max(axis=k), .sum(axis=k)) the array has one axis fewer and every later axis number drops by "
        "one; reduce several axes in one call (axis=(4, 5)) or renumber", "axis-out-of-bounds"),
    "read-only": (
        "the code writes into a read-only array: sliding_window_view (like np.broadcast_to) returns a "
        "read-only VIEW of x; write the results into a new array (np.zeros(...), or .copy() the view first), "
        "never into the view itself (no out= into it, no in-place update)", "wrote-into-read-only-view"),
}


_ARGUMENTS = {"conv2d_forward": ("x", "w", "b"), "conv2d_backward": ("dout", "x", "w"),
              "maxpool2d_forward": ("x",), "maxpool2d_backward": ("dout", "x"), "flatten_backward": ("dout",)}
_RESULT = {"conv2d_backward": "dx has the shape of x", "maxpool2d_backward": "dx has the shape of x"}


def _operands_named(text: str, name: str, args, context: str) -> None:
    """A broadcasting error between two operands that are each an argument of the call, one of them with its
    entries reshaped with axes of length 1 added ((1, C_out, 1, 1) for b): the two arguments were combined. Said
    for the bias of conv2d_forward combined with x (its input channels) where the output's channels belong."""
    shapes = {a: _shape(v) for a, v in zip(_ARGUMENTS.get(name, ()), args)}
    squeeze = lambda sh: tuple(d for d in sh if d != 1)
    owners = []
    for operand in _broadcast_shapes(text)[:2]:
        exact = [a for a, sh in shapes.items() if sh == operand]
        reshaped = [a for a, sh in shapes.items() if sh is not None and sh != operand and squeeze(sh) == squeeze(operand)
                    and squeeze(operand)]
        owners.append((exact + reshaped)[:1] if len(exact + reshaped) == 1 else [])
    if len(owners) != 2 or not all(owners) or {owners[0][0], owners[1][0]} != {"x", "b"} or \
            name != "conv2d_forward":
        return
    dims = _dims(name, args)
    fail(f"{text} (called with {context}): the two operands are x {shapes['x']} and the bias b "
         f"({dims.get('C_out')} = C_out values, reshaped with axes of length 1): the bias was combined with x, whose "
         f"axis 1 holds the C_in = {dims.get('C_in')} INPUT channels; b[o] belongs to OUTPUT channel o: add "
         f"b.reshape(1, C_out, 1, 1) to the result of the convolution, shape (N, C_out, H_out, W_out), after the "
         f"sum over the input channels and the window", "bias-added-to-input")


def _argument_shapes(text: str, name: str, args) -> str:
    """'; (3, 2, 4, 3) is the shape of dout ...' for the shapes an error quotes that are exactly the shape of one
    argument of the call (and of no other): an array made with the shape of the wrong argument."""
    quoted = {tuple(int(d) for d in re.findall(r"\d+", g)) for g in re.findall(r"\(([\d, ]+)\)", text.split(" (called")[0])}
    shapes = {a: _shape(v) for a, v in zip(_ARGUMENTS.get(name, ()), args)}
    said = []
    for shape in sorted(quoted):
        owners = [a for a, sh in shapes.items() if sh == shape and len(shape) > 1]
        if len(owners) == 1:
            said.append(f"{shape} is the shape of {owners[0]}")
    if not said:
        return ""
    result = f" ({_RESULT[name]})" if name in _RESULT and any("dout" in s_ for s_ in said) else ""
    return f"; {', '.join(said)}: an array made with that shape is used where another shape belongs{result}"


def _dims(name: str, args) -> dict:
    """The sizes of a call's arrays by the names the lab gives them (N, C_in, H, ...), to read errors with."""
    shape = lambda a: tuple(int(d) for d in np.shape(a))
    try:
        if name.startswith("conv2d"):
            x, w = (args[0], args[1]) if name == "conv2d_forward" else (args[1], args[2])
            s, p = (args[3], args[4]) if name == "conv2d_forward" else (args[3], args[4])
            (n, c, h, wd), (co, _, kh, kw) = shape(x), shape(w)
            ho, wo = len(_starts(h + 2 * p, kh, s)), len(_starts(wd + 2 * p, kw, s))
            dims = {"N": n, "C_in": c, "C_out": co, "H": h, "W": wd, "KH": kh, "KW": kw, "H_out": ho, "W_out": wo,
                    "H + 2*pad": h + 2 * p, "W + 2*pad": wd + 2 * p}
            if s > 1:       # the window counts the stride would give at stride 1: a stride forgotten
                dims.update({"H_out(stride 1)": h + 2 * p - kh + 1, "W_out(stride 1)": wd + 2 * p - kw + 1})
            if p > 0:       # the window counts without the padding: a pad left out of a call (default 0)
                dims.update({"H_out(pad 0)": len(_starts(h, kh, s)), "W_out(pad 0)": len(_starts(wd, kw, s))})
                # sizes a pad on the wrong axes gives: they only make other readings ambiguous (never products)
                dims.update({"N + 2*pad": n + 2 * p, "C_in + 2*pad": c + 2 * p})
            if c * kh * kw not in dims.values():  # the rows of the im2col matrix, when no single size says it
                dims["C_in*KH*KW"] = c * kh * kw
            return dims
        if name.startswith("maxpool2d"):
            x, size, s = (args[0], args[1], args[2]) if name == "maxpool2d_forward" else (args[1], args[2], args[3])
            n, c, h, wd = shape(x)
            return {"N": n, "C": c, "H": h, "W": wd, "size": size, "H_out": len(_starts(h, size, s)),
                    "W_out": len(_starts(wd, size, s))}
        if name == "flatten_forward":
            return dict(zip(("N", "C", "H", "W"), shape(args[0])))
        if name == "flatten_backward":
            return dict(zip(("N", "C", "H", "W"), tuple(args[1])))
    except Exception:
        return {}
    return {}


def _stage(name: str) -> str | None:
    """Which layout a spatial size belongs to: the input's (H, W, H + 2*pad), the output's (H_out, W_out) or the
    output's at stride 1 (H_out(stride 1)); None for the other sizes (N, channels, kernel)."""
    if "stride 1" in name:
        return "out1"
    if "pad 0" in name:
        return "out0"
    if name.endswith("_out"):
        return "out"
    return "in" if name.split(" ")[0] in ("H", "W") else None


def _product_names(value: int, dims: dict) -> str | None:
    """``value`` as a size of the call, or a product of two to four of them ('C_out', 'C*H*W'), or None. Of the
    products that give value, the most coherent wins: spatial sizes of one layout (H with W, H_out with W_out,
    never H with H_out), each size once (a size twice, C*H*H, only when nothing else explains value), fewest
    factors."""
    import itertools
    single = [k for k, v in dims.items() if v == value]
    if single:
        return " or ".join(single[:3])
    # Factors: the call's sizes, and the sizes a pad on the wrong axes gives (N + 2*pad), which only win when
    # they spare a size used twice.
    items = [(f"({k})" if "+" in k else k, v) for k, v in dims.items()
             if v > 1 and (k in _DECOYS or ("*" not in k and "+" not in k))]
    best, values = None, set()
    for r in (2, 3, 4):
        for combo in itertools.combinations_with_replacement(items, r):
            if int(np.prod([v for _, v in combo])) != value:
                continue
            names = [k for k, _ in combo]
            stages = {_stage(k) for k in names} - {None}
            axes = [k.split("_")[0].split("(")[0] for k in names if _stage(k)]
            twice = max(len(names) - len(set(names)), len(axes) - len(set(axes)))
            decoys = sum("+" in k for k in names)
            spatial = {(_stage(k), _axis(k)) for k in names if _stage(k)}
            unpaired = sum((st, "W" if ax == "H" else "H") not in spatial for st, ax in spatial)   # H_out without W_out
            rank = (len(stages) > 1, twice, unpaired, decoys, r)   # mixed layouts, repeats, lone H or W, pads, fewest
            if best is None or rank < best[0]:
                best, values = (rank, "*".join(names)), {tuple(sorted(v for _, v in combo))}
            elif rank == best[0]:
                values.add(tuple(sorted(v for _, v in combo)))
    if best and (best[0][1] > 1 or best[0][1] and best[0][4] == 4):   # N*N*N*H, C*H*H*W: a coincidence of numbers
        return None
    if len(values) > 1:         # as plausible with other numbers (12 = 3*4 = 2*6): a coincidence, no reading
        return None
    return best[1] if best else None


_DECOYS = ("N + 2*pad", "C_in + 2*pad")


def _axis(name: str) -> str:
    """The axis a size measures: H for H, H_out, H + 2*pad, H_out(pad 0); the size itself otherwise (N, C_in)."""
    base = name.strip("()").split(" ")[0].split("(")[0]
    return base.split("_")[0] if base.split("_")[0] in ("H", "W") else base


def _name_sizes(text: str, dims: dict) -> str | None:
    """The numbers of a NumPy error read as the sizes of the call (which axis is which), or None; when a size
    is the one a forgotten stride or padding gives, say so."""
    said = _read_sizes(text, dims)
    return None if said is None else said + _tagged(said)


def _tagged(said: str) -> str:
    """'; pad 0 marks a size computed without the padding ...' for the tagged sizes (H_out(pad 0)) a text uses."""
    out = ""
    for tag, what in (("(pad 0)", "the padding: a call that leaves pad out (conv_output_size(H, KH, stride) "
                                  "uses its default pad=0), or sizes taken from the unpadded x"),
                      ("(stride 1)", "the stride: a slice or a call that leaves the stride out")):
        if tag in said:
            out += f"; {tag.strip('()')} marks a size computed without {what}"
    for tag, axis in (("N + 2*pad", "batch"), ("C_in + 2*pad", "channel")):
        if tag in said:
            out += (f"; {tag} is the {axis} axis padded too: np.pad gave axis {0 if axis == 'batch' else 1} `pad` "
                    f"zeros on each side; pad the spatial axes only, ((0, 0), (0, 0), (pad, pad), (pad, pad))")
    return out


def _read_sizes(text: str, dims: dict) -> str | None:
    if not dims:
        return None
    said = lambda v: f"{v} ({_product_names(int(v), dims)})" if _product_names(int(v), dims) else f"{v}"
    m = re.search(r"Size of label '(\w)' for operand (\d+) \((\d+)\) does not match previous terms \((\d+)\)", text)
    if m:
        letter, op, a, b = m.groups()
        return (f"in np.einsum the letter '{letter}' names an axis of size {said(a)} in operand {op} but of size "
                f"{said(b)} in the operands before it: each array's letters must follow the order of ITS axes "
                f"(w is (C_out, C_in, KH, KW): transpose it, or swap the letters, so that one letter is one quantity)")
    m = re.search(r"index (\d+) is out of bounds for axis (\d+) with size (\d+)", text)
    if m:
        k, axis, size = (int(g) for g in m.groups())
        longer = [name for name, v in dims.items() if v > k and "+" not in name]
        here = (_product_names(size, dims) or "").split(" or ")
        if any(h.endswith("_out") for h in here) and any(n.endswith("_out") for n in longer):
            longer = [n for n in longer if n.endswith("_out")]
        return (f"an index reached {k} on axis {axis}, whose size is {said(size)}"
                + (f"; {k} is in range for {' or '.join(longer[:3])}: an index (or a loop bound) meant for one of "
                   f"those was used on this axis (i and j, or H and W, swapped?)" if longer else ""))
    if "could not be broadcast" in text:
        shapes = [tuple(int(d) for d in re.findall(r"\d+", g)) for g in
                  re.findall(r"\(([\d, ]*)\)", text[text.index("could not be broadcast"):])][:2]
        if len(shapes) == 2 and len(shapes[0]) == len(shapes[1]):
            clash = [(u, v) for u, v in zip(*shapes) if u != v and 1 not in (u, v)]
            if len(clash) > 1 and all(abs(u - v) == 1 for u, v in clash) and len({u < v for u, v in clash}) == 1:
                pairs = ", ".join(f"{u} and {v}" for u, v in clash)
                return (f"the sizes that differ ({pairs}) differ by exactly ONE on every axis where they differ: a "
                        f"slice or a range is one entry short or long on each of them (an end or a loop bound off by "
                        f"one; u:u + stride*H_out:stride holds exactly H_out entries)")
            if clash and all(_product_names(v, dims) for pair in clash[:1] for v in pair):
                u, v = clash[0]
                return f"the sizes that differ, {said(u)} and {said(v)}, tell which two quantities were mixed up"
        return None
    m = re.search(r"cannot reshape array of size (\d+) into shape \(([-\d, ]*)\)", text)
    if m:
        total = int(m.group(1))
        parts = [int(v) for v in re.findall(r"-?\d+", m.group(2))]
        named = ", ".join(said(v) if v > 0 else str(v) for v in parts)
        twice = next((f for v in parts if v > 0 for f in [_product_names(v, dims) or ""]
                      if "*" in f and len(f.split("*")) != len(set(f.split("*")))), None)
        for v in set(p_ for p_ in parts if p_ > 1 and parts.count(p_) >= 2):    # (.., s, s): a square side
            for whole in sorted({total} | {total // d for d in dims.values() if d > 1 and total % d == 0}):
                label = _product_names(whole, dims) if whole else None
                if label and int(np.sqrt(whole)) == v and v * v != whole:
                    return (f"the array holds {said(total)} values and the shape asked for is ({named}): {v} is "
                            f"int(sqrt({whole})), the square root of {label}: a side computed as if the images were "
                            f"square (and single-channel); use the sizes you are given (x_shape, x.shape) as they are")
        factors = (twice or "").split("*")
        dup = next((k for k in factors if twice and factors.count(k) > 1), None)
        if dup and all(_axis(k) == _axis(dup) for k, v in dims.items() if v == dims.get(dup)):
            return (f"the array holds {said(total)} values and the shape asked for is ({named}): {twice} uses {dup} "
                    f"twice, so one of them stands for another size (W typed as H, or the other way round?); the "
                    f"sizes asked for must multiply to the same total")
        asked = int(np.prod([v for v in parts if v > 0])) if any(v > 0 for v in parts) else 0
        if -1 not in parts and asked > 0:
            for big, small, word in ((total, asked, "missing from"), (asked, total, "extra in")):
                if big % small or big == small:
                    continue
                label = _product_names(big // small, dims)
                if label and " or " not in label:
                    return (f"the array holds {said(total)} values and the shape asked for is ({named}), which "
                            f"multiplies to {asked}: {big // small} ({label}) times {'fewer' if word[0] == 'm' else 'more'}"
                            f" values: a factor {label} is {word} the shape asked for; the sizes asked for must "
                            f"multiply to the same total")
        return (f"the array holds {said(total)} values and the shape asked for is ({named}): the sizes asked for "
                f"must multiply to the same total (is a factor of the product missing or extra?)")
    return None


def _stride_got_zero(fn, text: str, name: str, args, context: str) -> None:
    """conv2d_* raised ZeroDivisionError with pad=0: the same call with pad=1 (dout resized for it) does not raise,
    so the code divides by pad (or by a quantity that is 0 when pad is), e.g. pad passed as a stride."""
    if not name.startswith("conv2d") or "ZeroDivisionError" not in text or len(args) < 5:
        return
    stride, pad = args[3], args[4]
    if pad != 0 or stride != 1:
        return
    probe = list(args)
    probe[4] = 1
    if name == "conv2d_backward":
        dout, x, w = args[0], args[1], args[2]
        n, _, h, wd = np.shape(x)
        co, _, kh, kw = np.shape(w)
        probe[0] = np.ones((n, co, h + 3 - kh, wd + 3 - kw), dtype=np.asarray(dout).dtype)
    try:
        core.call(fn, *probe, name=name)
    except core.CheckFailure as exc:
        if "ZeroDivisionError" in str(exc):
            return
    fail(f"{text} (called with {context}): the same call with pad=1 does not divide by zero: your code divides by "
         f"pad (or by something that is 0 when pad is), as when pad is passed where a stride belongs: "
         f"conv_output_size(H, KH, pad, stride) for conv_output_size(H, KH, stride, pad) (its signature is "
         f"conv_output_size(n, k, stride=1, pad=0); pass them by name, stride=stride, pad=pad)",
         "size-call-pad-for-stride")


def _call_diagnosis(text: str) -> str:
    """A stable id for a failure core.call raised without one."""
    if "modified its input" in text:
        return "input-modified"
    if "not implemented" in text:
        return "not-implemented"
    return "raised"


def _unpack(out, n: int, name: str, what: str) -> list:
    """The n values of a returned tuple (or list), or a failure that says what was expected."""
    try:
        items = list(out)
    except TypeError:
        items = None
    if items is None or len(items) != n:
        got = "None: did you forget a `return` statement?" if out is None else f"{core.describe(out)}"
        fail(f"{name} must return the {n}-tuple {what}, got {got}", "wrong-return-tuple")
    return items


def _axes_said(got_shape: tuple, shape: tuple, labels: tuple) -> str | None:
    """'axis 3 has 7, the size of H, where W (9) belongs' for each wrong axis whose size is the size of exactly
    one other axis of the expected shape (sizes that are the same in several axes say nothing)."""
    if len(got_shape) != len(shape) or len(labels) != len(shape):
        return None
    said = []
    for k, (g, e) in enumerate(zip(got_shape, shape)):
        if g == e:
            continue
        owners = [labels[j] for j, v in enumerate(shape) if v == g]
        if len(owners) != 1:
            return None
        said.append(f"axis {k} has {g}, the size of {owners[0]}, where {labels[k]} ({e}) belongs")
    if not said:
        return None
    swapped = sorted(got_shape) == sorted(shape) and len(said) == 2
    return "; ".join(said) + (": two axes are swapped (a transpose or a reshape with the sizes in the wrong "
                              "order)" if swapped else ": that size was taken from the wrong axis (a shape "
                                                       "or slice bound typed for another axis)")


def _expect(got, name: str, shape: tuple, dtype, labels: tuple | None = None, want=None) -> np.ndarray:
    """expect_array, with what to do when a float32 input came back in another dtype (``labels``: the names of
    the axes of ``shape``, to say which size went to which axis)."""
    got_shape = _shape(got)
    if labels and shape is not None and got_shape is not None and got_shape != tuple(shape):
        said = _axes_said(got_shape, tuple(shape), labels)
        if said:
            fail(f"{name}: expected shape {tuple(shape)}, got {got_shape}: {said}", "shape-axes-named")
    if shape is not None and got_shape is not None and got_shape != tuple(shape):
        squeezed = tuple(d for d in got_shape if d != 1)
        if squeezed == tuple(d for d in shape if d != 1) and len(got_shape) != len(shape):
            extra = len(got_shape) > len(shape)
            fail(f"{name}: expected shape {tuple(shape)}, got {got_shape}: the same sizes with "
                 f"{'extra' if extra else 'missing'} axes of length 1: "
                 + ("a reduction kept its axes (keepdims=True) or a reshape added them; drop them (squeeze, or "
                    "keepdims=False)" if extra else "a reduction dropped them (keepdims=True keeps them) or a "
                                                    "reshape/indexing removed them"),
                 "extra-unit-axes" if extra else "missing-unit-axes")
    try:
        return expect_array(got, name=name, shape=shape, dtype=dtype, want=want)
    except core.CheckFailure as exc:
        if "must have dtype" in str(exc):
            if np.dtype(dtype) == np.float64 and "float32" in str(exc).split("got")[-1]:
                fail(f"{exc}: a float64 input must give a float64 result: the result was converted to float32 "
                     f"(an .astype(np.float32), or a buffer created as float32) instead of keeping x.dtype",
                     "dtype-not-kept-float64")
            fail(f"{exc}: keep the dtype of the inputs (float32 in, float32 out), e.g. "
                 f"np.zeros_like(x) or np.zeros(shape, dtype=x.dtype); np.zeros(shape) alone is float64",
                 "dtype-not-kept")
        raise core.CheckFailure(str(exc), exc.diagnosis or ("wrong-shape" if "expected shape" in str(exc)
                                                            else "not-an-array")) from None


def _shape(a) -> tuple | None:
    try:
        return tuple(int(d) for d in np.shape(a))
    except Exception:
        return None


def _size_names(value: int, dims: dict) -> set:
    """Every way of writing ``value`` with the call's sizes: a size, or a product of two or three different ones
    (for 1: the sizes that are 1 and their products)."""
    import itertools
    names = {k for k, v in dims.items() if v == value and "+" not in k}
    pool = [(k, v) for k, v in dims.items() if "+" not in k and "(" not in k and "*" not in k and v >= 1]
    for r in (2, 3):
        for combo in itertools.combinations(pool, r):
            if int(np.prod([v for _, v in combo])) == value:
                names.add("*".join(k for k, _ in combo))
    return names


def _shape_story(entries, what: str, want_label: str) -> str | None:
    """The wrong shape of every case written with the sizes of its case, when one way of writing each axis holds
    for EVERY case whose shape is wrong (entries: (got shape, expected shape, sizes); two wrong ones at least):
    '(N, C_in, H, H) in every case, where (N, C_in, H, W) belongs: axis 3 has H where W belongs'."""
    entries = [(tuple(g), tuple(w), d) for g, w, d in entries if g is not None and d and tuple(g) != tuple(w)]
    if len(entries) < 2 or len({len(g) for g, _, _ in entries}) != 1:   # the wrong shapes only, two at least
        return None
    want_axes = [a.strip() for a in want_label.strip("()").split(",") if a.strip()]
    order = list(entries[0][2])
    labels = []
    for a in range(len(entries[0][0])):
        common = set.intersection(*(_size_names(g[a], d) for g, _, d in entries))
        if not common:
            return None
        if a < len(want_axes) and want_axes[a] in common and len(entries[0][0]) == len(want_axes):
            labels.append(want_axes[a])
            continue
        rank = lambda t: (t.count("*"), "(" in t, [order.index(k) if k in order else 99 for k in t.split("*")])
        labels.append(min(common, key=rank))
    said = f"{what} has shape ({', '.join(labels)}) in every case where its shape is wrong, where {want_label} belongs"
    if len(labels) == len(want_axes):
        diffs = [f"axis {a} has {g} where {w} belongs" for a, (g, w) in enumerate(zip(labels, want_axes)) if g != w]
        tags = _tagged(" ".join(labels))
        said += ": " + "; ".join(diffs) + (tags or " (a size, a slice bound or a reshape meant for one axis was used "
                                                   "for another, or an axis was reduced where another belongs)")
    else:
        said += (f": {len(labels)} axes where {len(want_axes)} belong (a reshape that keeps or merges the wrong "
                 f"axes, or a reduction over the wrong ones)")
    return said


def _explain_shapes(observed, candidates):
    """The first (message, id) of ``candidates`` (case -> predicted shape) that predicts every
    observed shape (cases whose call raised are skipped), or None: the mistake that explains
    the shape of every answer, not only of the first wrong one."""
    seen = [(case, shape) for case, shape in observed if shape is not None]
    for predict, message, diagnosis in candidates:
        if seen and all(shape == predict(case) for case, shape in seen):
            return message, diagnosis
    return None


def _layout_mixup(got, want, names, tol, batch=True) -> tuple[str, str] | None:
    """(message, id) when ``got`` holds the right numbers in the wrong places: every sample equal to sample 0,
    axes permuted, a result computed in another axis order and RE-shaped (not transposed), or values read in
    column-major order (order='F'); ``names`` are want's axes (N, C, H, W, ...)."""
    import itertools
    got, want = np.asarray(got, dtype=_float64), np.asarray(want, dtype=_float64)
    if got.shape != want.shape or got.ndim < 2:
        return None
    n = want.shape[0]
    if batch and n > 1 and not core.close(want, np.broadcast_to(want[:1], want.shape), **tol) and \
            core.close(got, np.broadcast_to(want[:1], want.shape), **tol):
        return ("every sample of the batch holds the answer of sample 0: an index 0 (x[0], xp[0], dout[0]) where "
                "the loop variable n belongs", "every-sample-is-sample-0")
    label = lambda perm: "(" + ", ".join(names[i] for i in perm) + ")"
    for perm in itertools.permutations(range(want.ndim)):
        if perm == tuple(range(want.ndim)):
            continue
        moved = want.transpose(perm)
        inverse = tuple(int(i) for i in np.argsort(perm))
        if moved.shape == got.shape and core.close(got, moved, **tol):
            return (f"the axes are in the order {label(perm)} instead of {label(range(want.ndim))}: "
                    f".transpose{inverse} puts them back", "axes-permuted")
        if core.close(got, moved.reshape(got.shape), **tol):
            return (f"the right numbers in the wrong places: the result was computed with its axes in the order "
                    f"{label(perm)} and then RESHAPED to {label(range(want.ndim))}; reshape keeps the memory "
                    f"order and moves no axis: use .transpose{inverse} (then reshape if needed)",
                    "reshaped-not-transposed")
    for order_in, order_out in (("C", "F"), ("F", "C")):
        if core.close(got, np.reshape(want.ravel(order=order_in), got.shape, order=order_out), **tol):
            return ("the right numbers in the wrong places: they were read or written in column-major order "
                    "(order='F'); NumPy arrays are row-major, reshape with the default order='C'",
                    "fortran-order")
    return None


def _foreign_shape(results, name) -> None:
    """When the calls that raised quote one same array shape whatever the inputs of the case, that array does not
    come from the call's arguments: state left by an earlier call (a global set by the forward pass, a cache)."""
    texts = [str(exc) for _, exc in results if exc is not None and "broadcast" in str(exc)]
    if len(texts) < 2:
        return
    def quoted(text):
        head = text.split(" (called with")[0]
        return {tuple(int(d) for d in re.findall(r"\d+", g)) for g in re.findall(r"\(([\d, ]+)\)", head)}
    common = set.intersection(*(quoted(t) for t in texts))
    inputs = {tuple(c[:4]) for c, exc in results if exc is not None}
    common = {shape for shape in common if shape not in inputs and len(shape) > 1}
    if common and len(inputs) > 1:
        shape = sorted(common)[0]
        raw = texts[0]
        cut = raw.find("): ", raw.find(" (called with"))
        raw = raw[:cut + 1] if cut > 0 else raw       # NumPy's error and the call, without the generic reading
        fail(f"{raw}: an array of shape {shape} appears in this error for every input, whatever the shapes of x "
             f"and dout ({len(texts)} calls): it does not come from the arguments of the call but from state left by an "
             f"earlier call (a global set by the forward pass, a cache); {name} must compute everything from its "
             f"own arguments", "state-from-an-earlier-call")


def _same_shapes_again(fn, name, context, first, second, oracle, outputs, labels):
    """Call fn a second time with the shapes of an earlier, already graded call (arguments ``first``) and
    new values (``second``), and compare with the oracle: a result kept between calls (a cache keyed by
    the shapes, a global set by an earlier call) answers the new call with the old values. ``outputs``
    names the returned values (one name: a single array); ``labels`` maps an argument index to its name,
    to say WHICH old argument the answer was computed from."""
    got = _call(fn, second, name, context)
    wants = oracle(*second)
    wants = list(wants) if len(outputs) > 1 else [wants]
    gots = _unpack(got, len(outputs), name, "(" + ", ".join(outputs) + ")") if len(outputs) > 1 else [got]
    dt = second[0].dtype
    gots = [_expect(g, f"{name} {o} ({context})", w.shape, dt) for g, o, w in zip(gots, outputs, wants)]
    tol = _tol(dt)
    if all(core.close(g, w, **tol) for g, w in zip(gots, wants)):
        return
    head = (f"{name} ({context}) is right the first time it sees these shapes and wrong when called again with "
            f"the same shapes and new values")
    for k, label in labels.items():
        mixed = list(second)
        mixed[k] = first[k]
        stale = oracle(*mixed)
        stale = list(stale) if len(outputs) > 1 else [stale]
        if all(core.close(g, w, **tol) for g, w in zip(gots, stale)):
            fail(f"{head}: the second answer is the one for the FIRST call's {label}: something computed from "
                 f"{label} is kept between calls (a cache keyed by the shapes, a global variable) and reused; "
                 f"compute everything from the arguments of each call", "stale-between-calls")
    fail(f"{head}: something is kept between calls (a cache keyed by the shapes, a global variable, a buffer "
         f"reused and not cleared) and reused; compute everything from the arguments of each call",
         "state-between-calls")




def _results_kept(fn, name, context, first, second, outputs) -> None:
    """Property of every graded function: what one call returned is the caller's, and a later call (same shapes,
    new values: ``first`` then ``second``, the argument tuples) neither writes into it nor returns the same memory.
    An output buffer kept between calls (a module-level array filled in place, a default argument, an attribute of
    the function) passes every single call and breaks a network that holds two layers' outputs at once.  Run in the
    kernel, where the first call's arrays are the student's own (a copy crossing to the judge hides the sharing).
    Cheap: two calls, after the cases passed.  ``outputs``: the names of the returned arrays."""
    found = core.results_between_calls(fn, first, second) or []
    # named by their place in the returned tuple (a bare array is value 0)
    changed = {r.path[0] if r.path else 0 for r in found if r.changed}
    hit = sorted(changed | {r.path[0] if r.path else 0 for r in found if r.shared})
    if not hit:
        return
    what = " and ".join(outputs[k] if k < len(outputs) else f"value {k}" for k in hit)
    fail(f"{name} ({context}), called twice with the same shapes and new values: the {what} the first call "
         f"returned {'was overwritten by' if changed else 'shares its memory with the result of'} the second call "
         f"(both calls return the same array): the result is written into a buffer kept between calls (a "
         f"module-level array filled in place, a default argument, an attribute set once), so a caller holding "
         f"the first result (a network keeps every layer's output for the backward pass) sees it change; "
         f"create the result anew in every call", "result-buffer-shared-between-calls")


#: Driver code run where student code runs (core.kernel_functions): the arrays of ``which`` handed over in another
#: memory layout with the same values (a copy crossing to the kernel would be C-contiguous again).
_IN_LAYOUT = """
def call_in_layout(fn, args, which, layout):
    import numpy as np
    def relaid(a):
        if layout == "F":
            return np.asfortranarray(a)
        if a.ndim < 3:
            return np.ascontiguousarray(a.T).T
        return np.moveaxis(np.ascontiguousarray(np.moveaxis(a, 1, -1)), -1, 1)
    return fn(*[relaid(a) if k in which else a for k, a in enumerate(args)])
"""

LAYOUTS = (("F", "a Fortran-ordered copy, np.asfortranarray"),
           ("last", "a channels-last buffer seen channels-first, np.moveaxis(a_nhwc, -1, 1), as a transpose or a "
                    "conv output before a copy gives"))


def _relaid(a, layout):
    """The same relayout as the kernel driver, here (to compute what a memory-order reading would give)."""
    if layout == "F":
        return np.asfortranarray(a)
    if a.ndim < 3:
        return np.ascontiguousarray(a.T).T
    return np.moveaxis(np.ascontiguousarray(np.moveaxis(a, 1, -1)), -1, 1)


def _layout_free(fn, name, context, args, oracle, outputs, labels, readings=None) -> None:
    """Property of every graded function: the result depends on the VALUES of its arrays, not on their memory
    layout.  The arrays of ``labels`` (argument index -> name) are handed over, in the kernel, as a Fortran-ordered
    copy and as a channels-last buffer seen channels-first (what x.transpose or a layer's output before a copy
    is): the result must be the oracle's.  Code reading the memory order (np.ravel(a, order='K') or order='A',
    a.data, np.frombuffer, strides computed for a C-contiguous array) passes every C-contiguous case.
    ``readings`` (message -> function of the relaid arguments): a cause told when it gives the student's result
    in BOTH layouts.  Cheap: two calls, after the cases passed."""
    try:
        run = core.kernel_functions(_IN_LAYOUT)["call_in_layout"]
    except Exception:
        return
    wants = oracle(*args)
    wants = list(wants) if len(outputs) > 1 else [wants]
    try:        # the same values C-contiguous first: a wrong answer there is no layout's doing
        plain = core.call(fn, *args, name=name)
        plains = [np.asarray(g, dtype=_float64) for g in (list(plain) if len(outputs) > 1 else [plain])]
    except (core.CheckFailure, TypeError, ValueError):
        return
    if not (len(plains) == len(wants) and all(g.shape == np.shape(w) and core.close(
            g, np.asarray(w, _float64), **_tol(args[0].dtype)) for g, w in zip(plains, wants))):
        fail(f"{name} ({context}), called again later with new values of shapes it has already seen (C-contiguous "
             f"arrays, as in the cases), returned a wrong result where the same call in the cases was right: your "
             f"function returned a result computed from the values of an earlier call: state kept between calls (a "
             f"cache keyed on the shapes, a module-level variable, an attribute set by an earlier call); compute "
             f"everything from the arguments' values at every call", "state-between-calls")
    bad = []
    for layout, said in LAYOUTS:
        try:
            got = core.call(run, fn, args, tuple(labels), layout, name=name)
        except core.CheckFailure as exc:
            bad.append((layout, said, None, str(exc).split(": ", 1)[-1][:160]))
            continue
        try:
            gots = list(got) if len(outputs) > 1 else [got]
            gots = [np.asarray(g, dtype=_float64) for g in gots]
        except (TypeError, ValueError):
            gots = None
        if gots is not None and len(gots) == len(wants) and all(
                g.shape == np.shape(w) and core.close(g, np.asarray(w, _float64), **_tol(args[0].dtype))
                for g, w in zip(gots, wants)):
            continue
        bad.append((layout, said, gots, None))
    if not bad:
        return
    layout, said, gots, raised = bad[0]
    arrays = " and ".join(labels.values())
    if len(labels) > 1:         # which array's layout matters: each one alone in the layout that failed
        alone = []
        for k, label in labels.items():
            try:
                one = core.call(run, fn, args, (k,), layout, name=name)
                ones = list(one) if len(outputs) > 1 else [one]
                ones = [np.asarray(g, dtype=_float64) for g in ones]
                if len(ones) == len(wants) and all(g.shape == np.shape(w) and core.close(
                        g, np.asarray(w, _float64), **_tol(args[0].dtype)) for g, w in zip(ones, wants)):
                    continue
            except (core.CheckFailure, TypeError, ValueError):
                pass
            alone.append(label)
        if alone:
            arrays = " and ".join(alone) + f" (the other {'arrays' if len(labels) - len(alone) > 1 else 'array'} "\
                f"C-contiguous)" if len(alone) < len(labels) else arrays
            labels = {k: v for k, v in labels.items() if v in alone}
    which = ""
    if gots is not None and len(outputs) > 1:
        which = " " + ", ".join(o for o, g, w in zip(outputs, gots, wants)
                                if g.shape != np.shape(w) or not core.close(g, np.asarray(w, _float64),
                                                                            **_tol(args[0].dtype)))
    reading = ""
    for text, read in (readings or {}).items():
        if len(bad) == len(LAYOUTS) and all(
                g is not None and len(g) == 1 and g[0].shape == np.shape(v) and core.close(g[0], v, rtol=0, atol=0)
                for (lay, _s, g, _r), v in ((b, read(*[_relaid(a, b[0]) if k in labels else a
                                                        for k, a in enumerate(args)])) for b in bad)):
            reading = f"; and so in both layouts: {text}"
            break
    fail(f"{name} ({context}) is right on C-contiguous arrays and "
         f"{'raised ' + raised if raised else 'returned other values' + which} when {arrays} "
         f"{'holds' if len(labels) == 1 else 'hold'} the same values in another memory layout ({said}; "
         f"a.flags['C_CONTIGUOUS'] is False){reading}: the result must depend on the values only, whatever the "
         f"layout: the code reads an array's memory order (np.ravel(a, order='K') or order='A', a.data, "
         f"np.frombuffer, a.tobytes(), strides computed for a C-contiguous array, a shape assigned in place) "
         f"rather than its index order; reshape / ravel in the default C order", "depends-on-memory-layout")


def _after_change(fn, name, context, args, oracle, outputs, labels, r) -> None:
    """Property of every graded function, asked as a training loop calls it: the same arrays (``labels``: argument
    index -> name) changed IN PLACE between two calls (an SGD step on w, a new batch written into x's buffer); the
    second result must be the oracle's on the new values.  A result equal to the oracle's on the OLD values is
    state kept between calls (a cache keyed on id(x) or on the shapes, a transposed copy of w kept from the first
    call).  Cheap: two calls, after the cases passed."""
    changed = tuple(r.normal(0, 1, np.shape(a)).astype(a.dtype) if k in labels else None for k, a in enumerate(args))
    new = tuple(c if c is not None else a for a, c in zip(args, changed))
    args = tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in args)    # the old values, kept here
    try:
        got = core.result_after_change(fn, tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in args),
                                       changed)
        gots = [np.asarray(g, dtype=_float64) for g in (list(got) if len(outputs) > 1 else [got])]
    except Exception:       # a raise here is asked by the cases (the same call raised nothing there)
        return
    fits = lambda value: len(gots) == len(value) and all(
        g.shape == np.shape(w) and core.close(g, np.asarray(w, _float64), **_tol(args[0].dtype))
        for g, w in zip(gots, value))
    listed = lambda value: list(value) if len(outputs) > 1 else [value]
    if fits(listed(oracle(*new))):
        return
    old = fits(listed(oracle(*args)))
    stale = []
    for k, label in labels.items():         # which array's old values the answer was computed from
        mixed = list(new)
        mixed[k] = args[k]
        if not old and fits(listed(oracle(*mixed))):
            stale.append(label)
    arrays = " and ".join(labels.values())
    said = ("returned the result for the values of the FIRST call" if old else
            f"returned the result for the first call's {' and '.join(stale)} (the new values of the others)" if stale
            else "returned neither the result for the new values nor the one for the old ones")
    fail(f"{name} ({context}) called twice on THE SAME arrays, {arrays} changed in place between the calls (as a "
         f"training loop does: an SGD step on w, a new batch written into x's buffer): the second call {said}: your function returned a result "
         f"computed from the values of an earlier call: state kept between calls (a cache keyed on id(x) or on the "
         f"shapes, a copy of w or a value kept from the first call, a module-level variable); compute everything "
         f"from the arguments' values at every call", "stale-after-in-place-change" if old or stale
         else "state-between-calls-in-place")


def _generic(exc: core.CheckFailure) -> bool:
    return exc.diagnosis in GENERIC_DIAGNOSES or str(exc.diagnosis).startswith("raised")


def _slice_end_offset(failures) -> None:
    """Every failing case raised a broadcast error between an array over the H_out x W_out output positions and a
    strided slice with fewer positions, exactly as many as u:stride * H_out:stride holds for an offset u inside the
    window (ceil((stride * H_out - u) / stride): H_out for u < stride, fewer for u >= stride): the end of the slice
    over the output positions leaves the offset out. Told when every failing case (two or more, of different sizes)
    fits that reading."""
    fits = []
    for case, exc in failures:
        if "could not be broadcast" not in str(exc):
            return
        if len(case) == 10:
            ho, wo = _out_size(case)
            kh, kw, s = case[5], case[6], case[7]
        else:
            n, c, h, w, kh, s, _dt = case
            kw = kh
            ho, wo = len(_starts(h, kh, s)), len(_starts(w, kw, s))
        spatial = {sh[-2:] for sh in _broadcast_shapes(str(exc)) if len(sh) >= 2}
        short = [sh for sh in spatial if sh != (ho, wo)]
        rows = {-(-(s * ho - u) // s) for u in range(kh)}
        cols = {-(-(s * wo - v) // s) for v in range(kw)}
        if (ho, wo) not in spatial or len(short) != 1 or not (short[0][0] in rows and short[0][1] in cols):
            return
        fits.append((exc, case, short[0], (ho, wo), s))
    if len({tuple(case[:4]) for _, case, *_r in fits}) < 2:
        return
    exc, case, (a, b), (ho, wo), s = fits[0]
    what = "kernel" if len(case) == 10 else "window"
    fail(f"{_raised_head(str(exc))}: a strided slice has {a} x {b} positions where there are H_out x W_out = {ho} x "
         f"{wo} (stride {s}; the same reading fits all {len(fits)} cases that raised): the slice for the {what} offset "
         f"u ends at stride * H_out, without the offset u: u:stride * H_out:stride holds ceil((stride * H_out - u) / "
         f"stride) positions, fewer than H_out for the offsets u >= stride (which exist only when windows overlap, "
         f"stride < {what} size); the end is u + stride * H_out (and v + stride * W_out)", "slice-end-without-offset")


def _factor_read(exc) -> float | None:
    found = re.search(r"the expected one times (-?[\d.]+(?:e[-+]?\d+)?)", str(exc))
    return float(found.group(1)) if found else None


def _confirmed(exc, failures) -> bool:
    """A constant factor read on ONE case ("scaled": your result is the expected one times k) is told only when
    every failing case shows the same factor (a property of the code, not of one case's sizes: a pseudo-inverse
    is a scaled transpose when C_out = 1 only); a factor named after a case size only when every failing case is
    scaled by its own size."""
    if exc.diagnosis == "scaled":
        k = _factor_read(exc)
        return len(failures) == 1 or (k is not None and all(
            e.diagnosis == "scaled" and _factor_read(e) is not None and abs(_factor_read(e) - k) <= 1e-3 * abs(k)
            for _, e in failures))
    if exc.diagnosis == "scaled-by-size":
        return all(e.diagnosis == "scaled-by-size" for _, e in failures)
    return True


def _report(results, patterns, probe=None, square=None):
    """Report the failures of independent cases: the first that names a mistake; else the pattern
    of the cases that pass and fail (``patterns``: (predicate on a case, sentence, id); the first
    whose failing cases all satisfy it while a passing case does not); else the first failure."""
    failures = [(case, exc) for case, exc in results if exc is not None]
    if not failures:
        return
    for _, exc in failures:
        # the other failed cases go with each failure: the judge's one change must fix them too (an edit that
        # fits one input by coincidence, a slice bound that only clips at the array's edge, is not told)
        if not exc.others:
            exc.others = [e.compared for _, e in failures if e is not exc and e.compared is not None][:3]
    for _, exc in failures:
        if exc.diagnosis in ("assert-rejects-valid-input", "slice-end-without-stride"):
            raise exc
    for _, exc in failures:
        if not _generic(exc) and _confirmed(exc, failures):
            raise exc
    if square is not None:          # (run, square cases, name): after the confirmed specific failures
        _square_output_only(results, *square)
    passed = [case for case, exc in results if exc is None]
    first = failures[0][1]
    _channels_missing(failures, passed)
    _slice_axes_mixed(first)
    _view_axes_strided(failures)
    raised = all(str(exc.diagnosis).startswith("raised") for _, exc in failures)
    if raised:
        _slice_end_offset(failures)
    # A pattern that separates the cases exactly (every failing case has the property, no passing case has
    # it) before one that only covers the failures (a passing case has it too): the exact one is confirmed.
    fits = [(predicate, sentence, diagnosis) for predicate, sentence, diagnosis in patterns
            if all(predicate(case) for case, _ in failures) and any(not predicate(case) for case in passed)]
    fits.sort(key=lambda p: any(p[0](case) for case in passed))
    for _predicate, sentence, diagnosis in fits:
        # the cases say what is wrong: the exception's guesses about sizes (made from one call) are dropped
        # (kept when they recompute a size without the stride or the padding: that is what the cases confirm)
        keep = re.search(r"\((stride|pad) \d+\)", str(first))
        head = _raised_head(str(first)) if (raised or re.match(r"\w+ raised \w+", str(first))) and not keep \
            else str(first)
        cut = _cut_short(str(first), failures[0][0], passed) if raised and "stride" in diagnosis else None
        # some cases raise and others give wrong values: the error of the first that raised is read too
        mixed = next(((c, e) for c, e in failures if str(e.diagnosis).startswith("raised")), None) \
            if not raised and "stride" in diagnosis else None
        mixed_cut = _cut_short(str(mixed[1]), mixed[0], passed) if mixed else None
        window = _window_cut(str(first), failures[0][0]) if diagnosis == "padding-only-fails" else None
        open_end = _open_end(first, failures[0][0]) if raised else None
        if open_end:
            fail(f"{head}: {open_end}", "slice-without-end")
        past = _end_past(failures) if raised else None
        if past:
            fail(f"{head}: {past}", "slice-end-past-output")
        if window:
            fail(f"{head}: it fails only in the cases with pad > 0, and {window}", "padding-window-cut-short")
        if cut:
            stride_of = lambda c: c[7] if len(c) == 10 else c[5]
            bad = sorted({stride_of(c) for c, _ in failures})
            good = sorted({stride_of(c) for c in passed})
            where = (f"with stride {', '.join(map(str, bad))} (those with stride {', '.join(map(str, good))} pass)"
                     if good else "where the stride is larger than 1")
            fail(f"{head}: it raises only in the cases {where}, and {cut[0]}", cut[1] or diagnosis + "-slice-cut-short")
        if mixed_cut:
            said = "" if mixed[1] is first else f" ({_raised_head(str(mixed[1]))})"
            fail(f"{head}: {sentence}; where it raises{said}, {mixed_cut[0]}",
                 mixed_cut[1] or diagnosis + "-slice-cut-short")
        if raised and diagnosis in _RAISED:
            if diagnosis == "pool-not-tiling" and not any("reshape" in str(e) or "reshape" in (core.raised_line(e) or "")
                                                          for _c, e in failures):
                # no reshape in sight: the block reading is not told, only what the cases show
                fail(f"{head}: it raises only in the cases where the windows do not tile the image exactly (stride "
                     f"!= size, or H, W not multiples of size): window (i, j) starts at (i*stride, j*stride), there "
                     f"are H_out = (H - size) // stride + 1 windows along H (W_out alike), and the pixels after the "
                     f"last window get 0; compare the sizes of the error with H_out, W_out and H, W",
                     "pool-not-tiling-raises")
            fail(f"{head}: it raises only in the cases where {_RAISED[diagnosis]}", diagnosis + "-raises")
        fail(f"{head}: {sentence}", diagnosis)
    if probe is not None and not passed:     # nothing passed: try simpler shapes to see what the code assumes
        probed = [(case, probe(case)) for case in PROBE_CASES]
        ok = [case for case, exc in probed if exc is None]
        for predicate, sentence, diagnosis in PROBE_PATTERNS:
            if ok and all(not predicate(case) for case in ok) and all(predicate(case) for case, _ in failures) \
                    and all(exc is None for case, exc in probed if not predicate(case)):
                fail(f"{first}: {sentence}", diagnosis)
    raise first


def _view_axes_strided(failures) -> None:
    """Every failing case with a stride > 1 raised NumPy's "cannot reshape array of size T": read T as the size of the
    window view (N, C, H - KH + 1, W - KW + 1, KH, KW) of the (padded) input with the ::stride step applied to some
    pair of its axes.  When one same pair, other than the window positions (axes 2 and 3), gives T in every such case
    (and the right pair does not), the step was put on the wrong axes: [::stride, ::stride] where
    [:, :, ::stride, ::stride] belongs."""
    labels = ("N", "C", "H_out(stride 1)", "W_out(stride 1)", "KH", "KW")
    found, seen = None, 0
    for case, exc in failures:
        if len(case) == 10:
            n, c, h, w, _co, kh, kw, s, p, _dt = case
            h, w = h + 2 * p, w + 2 * p
        elif len(case) == 7:
            n, c, h, w, kh, s, _dt = case
            kw = kh
        else:
            return
        if s == 1:
            continue
        m = re.search(r"cannot reshape array of size (\d+)", str(exc))
        if not m:
            continue                  # a case where the wrong view still reshapes (a batch of one): not read
        dims = (n, c, h - kh + 1, w - kw + 1, kh, kw)
        size = lambda pair: int(np.prod([-(-d // s) if i in pair else d for i, d in enumerate(dims)]))
        fit = {pair for pair in itertools.combinations(range(6), 2) if size(pair) == int(m.group(1))}
        if (2, 3) in fit:
            return
        found = fit if found is None else found & fit
        seen += 1
    if not found or len(found) != 1 or seen < 2:
        return
    a, b = found.pop()
    fail(f"{_raised_head(str(failures[0][1]))}: in every case with stride > 1 the array has exactly as many values as "
         f"the window view (N, C, H_out(stride 1), W_out(stride 1), KH, KW) with ::stride applied to its axes {a} and "
         f"{b} ({labels[a]} and {labels[b]}): the stride steps over the wrong axes; it belongs on the window positions, "
         f"axes 2 and 3: view[:, :, ::stride, ::stride] ([::stride, ::stride] alone steps over the batch and channel "
         f"axes)", "stride-on-wrong-axes")


CONV_SQUARE_CASES = [     # a square output (H_out == W_out) from inputs that are not square, every size different
    (2, 3, 7, 9, 4, 3, 5, 1, 0, np.float64),     # out 5 x 5
    (4, 2, 12, 10, 3, 3, 1, 2, 1, np.float64),   # out 6 x 6, stride 2, pad 1
]
POOL_SQUARE_CASES = [(2, 3, 8, 9, 2, 2, np.float64), (1, 5, 11, 12, 3, 2, np.float64)]   # out 4 x 4, 5 x 5


def _out_hw(case) -> tuple:
    """(H_out, W_out) of a convolution case (10 entries) or a pooling case (7 entries)."""
    if len(case) == 10:
        return tuple(_out_size(case))
    return len(_starts(case[2], case[4], case[5])), len(_starts(case[3], case[4], case[5]))


def _square_output_only(results, run, square_cases, name: str) -> None:
    """Asked of every function whose output or gradient has spatial axes (H_out, W_out), before the patterns: every
    failing case has H_out != W_out and no passing one does; two more inputs whose OUTPUT is square (H != W, every
    size another) pass -> H_out and W_out (or H and W) are swapped somewhere, a shape unpacked in the wrong order.
    ``run(case)`` grades one case (None when right)."""
    failures = [(case, exc) for case, exc in results if exc is not None]
    if not failures or any(_out_hw(c)[0] == _out_hw(c)[1] for c, _ in failures) \
            or any(_out_hw(c)[0] != _out_hw(c)[1] for c, exc in results if exc is None):
        return
    if any(run(case) is not None for case in square_cases):
        return
    first = failures[0][1]
    raised = all(str(exc.diagnosis).startswith("raised") for _, exc in failures)
    head = str(first)       # what the call said (its sizes read) stays: the square cases only add when it fails
    shapes = ", ".join(f"{a} x {b}" for a, b in (_out_hw(c) for c in square_cases))
    fail(f"{head}: {name} is right whenever its output is square (H_out == W_out: also on two more inputs of other "
         f"sizes, outputs {shapes}) and {'raises' if raised else 'is wrong'} wherever H_out != W_out: H_out and W_out "
         f"are swapped somewhere, a shape unpacked in the wrong order (dout.shape[2:] and the output are (H_out, "
         f"W_out); x.shape is (N, C, H, W)) or one size used for the other in a slice, a loop range or a reshape",
         "square-output-only")


def _slice_axes_mixed(exc) -> None:
    """A broadcast error raised at a line that indexes an (N, C, H, W) array with four subscripts, one of whose
    spatial slices is bounded by the OTHER spatial axis's size (H_out or H in the W axis's slice, or W_out or W in
    the H axis's): that slice has the right length only when the two sizes are equal (square outputs)."""
    line = core.raised_line(exc)
    if not line or "broadcast" not in str(exc):
        return
    for found in re.finditer(r"\[([^\[\]]*)\]", line):
        parts = [p.strip() for p in found.group(1).split(",")]
        if len(parts) != 4:
            continue
        for axis, own, other in ((2, "H", "W"), (3, "W", "H")):
            names = set(re.findall(r"[A-Za-z_]\w*", parts[axis]))
            wrong = sorted(names & {other, f"{other}_out"})
            if wrong and ":" in parts[axis] and not names & {own, f"{own}_out"}:
                fail(f"{_raised_head(str(exc))}: in `{line}`, the slice of axis {axis} (the {own} axis), "
                     f"`{parts[axis]}`, is bounded with {wrong[0]}, a size of the {other} axis: it has the right "
                     f"length only when the output is square; the {own} axis's slice needs {own}_out (and the "
                     f"{other} axis's {other}_out)", "slice-bounded-by-other-axis")


def _broadcast_shapes(text: str) -> list[tuple]:
    found = re.search(r"broadcast together with shapes((?: \([\d,]+\))+)", text)
    if not found:
        return []
    return [tuple(int(v) for v in re.findall(r"\d+", m)) for m in re.findall(r"\(([\d,]+)\)", found.group(1))]


def _window_cut(text: str, case) -> str | None:
    """A broadcasting error between a KH x KW kernel and a window slice with fewer rows or columns: the window runs
    past the end of the array it is cut from (numpy cuts the slice there), which only padding can explain here."""
    if len(case) != 10:
        return None
    kh, kw = case[5], case[6]
    spatial = {sh[-2:] for sh in _broadcast_shapes(text) if len(sh) >= 2}
    short = [sh for sh in spatial if sh != (kh, kw) and sh[0] <= kh and sh[1] <= kw]
    if (kh, kw) not in spatial or len(short) != 1:
        return None
    a, b = short[0]
    return (f"a window slice holds {a} x {b} pixels where the kernel is KH x KW = {kh} x {kw} (the shapes of the "
            f"error): numpy cut the window at the end of the array it is taken from, so the last windows run past "
            f"its end: window (i, j) is cut from the PADDED input xp (H + 2*pad rows, W + 2*pad columns), "
            f"xp[:, :, i*stride:i*stride + KH, j*stride:j*stride + KW], with no + pad on the start (the padding is "
            f"already in place); a window cut from x (not xp), or started at i*stride + pad, runs past the end")


def _cut_short(text: str, case, passed=()) -> tuple[str, str | None] | None:
    """A broadcasting error between an array over the H_out x W_out output positions and a strided slice that holds
    fewer positions: read the slice's length and say why numpy made it shorter (its end left without the stride, an
    end one short, or a start too far that runs past the end of the array it is cut from); (sentence, id or None)."""
    if len(case) == 10:
        ho, wo = _out_size(case)
        s = case[7]
    else:
        n, c, h, w, size, s, _dt = case
        ho, wo = len(_starts(h, size, s)), len(_starts(w, size, s))
    spatial = {sh[-2:] for sh in _broadcast_shapes(text) if len(sh) >= 2}
    if (ho, wo) not in spatial:
        return None
    ends = (-(-ho // s), -(-wo // s))
    if ends in spatial and ends != (ho, wo):
        return ((f"a strided slice holds {ends[0]} x {ends[1]} positions where there are H_out x W_out = {ho} x {wo} "
                f"(the shapes of the error): a slice start:start + H_out:stride ends too early, it takes every "
                f"stride-th of H_out rows, ceil(H_out / stride) of them; the end of a slice over the output positions "
                f"is start + stride * H_out (start + stride * W_out along W)"), None)
    short = [sh for sh in spatial if sh != (ho, wo) and sh[0] <= ho and sh[1] <= wo]
    stride_of = lambda c: c[7] if len(c) == 10 else c[5]
    if len(short) == 1 and s == 1 and short[0] in ((ho - 1, wo - 1), (ho - 1, wo), (ho, wo - 1)) and \
            any(stride_of(c) > 1 for c in passed):
        # one position short at stride 1, and right (not only free of errors) at larger strides: a start one too far
        # would misplace every value there; an end one short is not seen there (the step jumps over it)
        a, b = short[0]
        return (f"a slice holds {a} x {b} positions where there are H_out x W_out = {ho} x {wo} (the shapes of the "
                f"error): its END is one short: a slice's end is already exclusive, so the slice of offset (u, v) "
                f"over the output positions is u:u + stride * H_out:stride (v:v + stride * W_out:stride); an end "
                f"such as u + stride * H_out - 1 drops the last position, which shows only at stride 1 (a larger "
                f"step jumps past the missing end)", "slice-end-one-short")
    if len(short) == 1:
        a, b = short[0]
        return ((f"a strided slice holds {a} x {b} positions where there are H_out x W_out = {ho} x {wo} (the shapes "
                f"of the error): numpy cuts a slice that runs past the end of the array it is taken from, so its "
                f"START is too far: the slice for kernel (or window) offset (u, v) starts at (u, v) and steps by the "
                f"stride, u:u + stride * H_out:stride (a start such as u * stride, or + pad on an already padded "
                f"array, runs past the end)"), None)
    return None


def _slice_overrun(case, exc) -> tuple[tuple[int, ...], tuple[int, int]] | None:
    """For a broadcasting error ``exc`` of a conv (10 entries) or pooling ``case``: the geometry (H_out, W_out, H, W,
    KH, KW, stride; H and W padded) and the one spatial shape of the error, beside the H_out x W_out positions, that
    holds exactly as many positions as a strided slice running to the end of the array (ceil((H - u) / stride) for
    an offset u inside the window); None when the error's shapes are not that."""
    if len(case) == 10:
        ho, wo = _out_size(case)
        h, w = case[2] + 2 * case[8], case[3] + 2 * case[8]
        kh, kw, s = case[5], case[6], case[7]
    else:
        _n, _c, h, w, kh, s, _dt = case
        kw = kh
        ho, wo = len(_starts(h, kh, s)), len(_starts(w, kw, s))
    spatial = {sh[-2:] for sh in _broadcast_shapes(str(exc)) if len(sh) >= 2}
    rows = {-(-(h - u) // s) for u in range(kh)}
    cols = {-(-(w - v) // s) for v in range(kw)}
    long = [sh for sh in spatial if sh != (ho, wo) and sh[0] in rows and sh[1] in cols]
    if (ho, wo) not in spatial or len(long) != 1:
        return None
    return (ho, wo, h, w, kh, kw, s), (int(long[0][0]), int(long[0][1]))


def _open_end(exc, case) -> str | None:
    """A broadcasting error between an array over the H_out x W_out output positions and a strided slice that holds
    MORE positions, exactly as many as a slice start::stride with no end takes from the array (_slice_overrun),
    raised at a line with such a slice: the end was left out."""
    line = core.raised_line(exc)
    if not re.search(r"\w\s*::\s*\w", line):
        return None
    found = _slice_overrun(case, exc)
    if found is None:
        return None
    (ho, wo, *_), (a, b) = found
    return (f"a strided slice with no end (start::stride, in `{line.strip()}`) holds {a} x {b} positions where there "
            f"are H_out x W_out = {ho} x {wo} (the shapes of the error): a slice left open runs to the end of the "
            f"array, so it also takes the pixels after the last window; end it after the last window, "
            f"u:u + stride * H_out:stride (v:v + stride * W_out:stride along W)")


def _end_past(failures) -> str | None:
    """Every failing case raised a broadcasting error between an array over the H_out x W_out output positions and
    a strided slice WITH an end (start:end:stride) that holds exactly as many positions as a slice running to the
    end of the array it is cut from (ceil((H - u) / stride) for an offset u inside the window), at least two cases
    of other sizes (_slice_overrun): the end is at or past the array's end, computed with a size larger than the
    output's."""
    said, sized = None, 0
    for case, exc in failures:
        line = core.raised_line(exc) or ""
        if "::" in line or not re.search(r"\w\s*:[^:\],\[]+:\s*\w", line):
            return None
        found = _slice_overrun(case, exc)
        if found is None:
            return None
        (ho, wo, h, w, kh, kw, s), (a, b) = found
        if len(case) != 10:     # a pooling slice ended with size * H_out (stride < size) holds as many: not told here
            ended = ({-(-(min(kh * ho, h) - u) // s) for u in range(kh)} | {ho},
                     {-(-(min(kw * wo, w) - v) // s) for v in range(kw)} | {wo})
            sized += a in ended[0] and b in ended[1]
        if said is None:
            rule = "(H + 2*pad - KH) // stride + 1" if len(case) == 10 else "(H - size) // stride + 1"
            said = (f"a strided slice (in `{line.strip()}`) holds {a} x {b} positions where there are H_out x W_out "
                    f"= {ho} x {wo} (the shapes of the error), exactly as many as a slice that runs to the end of the "
                    f"array it is cut from, and so in every case that raises: the slice's END is at or past that "
                    f"array's end, computed with a size larger than the number of windows: the output size H_out "
                    f"(W_out) belongs there, H_out = {rule} (or the windows' shape), not a size "
                    f"taken from the input (x.shape[2:] is (H, W), the input size); the slice is u:u + stride * "
                    f"H_out:stride")
    return said if len(failures) >= 2 and sized < len(failures) else None


def _channels_missing(failures, passed) -> None:
    """Conv cases (C_in at index 1) whose every failure is a reshape asking for exactly C_in times fewer values than
    its array holds, each case with its own C_in, while a case with C_in = 1 passes: C_in is missing from that
    reshape (single-channel images assumed).  Told as the cases read it, without a one-change search (a sign put on
    a shape factor, reshape(C_out, -KH*KW), is no fix)."""
    if not passed or any(len(c) != 10 for c in passed) or not any(c[1] == 1 for c in passed):
        return
    if len(failures) < 2 or any(len(c) != 10 or c[1] < 2 or _reshape_short(str(e)) != c[1] for c, e in failures):
        return
    if len({c[1] for c, _ in failures}) < 2 and len(failures) < 3:
        return
    first = failures[0][1]
    raise core.CheckFailure(
        f"{_raised_head(str(first))}: it raises only in the cases with C_in > 1 (the case with one input channel "
        f"passes), and in every one of them a reshape asks for exactly C_in times fewer values than its array holds "
        f"({', '.join(f'C_in = {c[1]}' for c, _ in failures[:3])}): C_in is missing from that reshape, as for "
        f"single-channel images (w.reshape(C_out, KH*KW) where w.reshape(C_out, -1), (C_out, C_in*KH*KW), "
        f"belongs); w is (C_out, C_in, KH, KW) and every input channel enters each output channel",
        "channels-missing-from-reshape")


def _reshape_short(text: str) -> int | None:
    """k when ``text`` is NumPy's 'cannot reshape array of size T into shape (...)' with the shape asked for
    (no -1) holding exactly k times fewer values than T; else None."""
    m = re.search(r"cannot reshape array of size (\d+) into shape \(([-\d, ]*)\)", text)
    if not m:
        return None
    parts = [int(v) for v in re.findall(r"-?\d+", m.group(2))]
    asked = int(np.prod(parts)) if parts and min(parts) > 0 else 0
    total = int(m.group(1))
    return total // asked if asked and total % asked == 0 and total > asked else None


def _raised_head(text: str) -> str:
    """'f raised E: ... (called with ...)' without what follows the call's description."""
    start = text.find("(called with ")
    if start < 0:
        return text
    depth = 0
    for k in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[k], 0)
        if depth == 0:
            return text[:k + 1]
    return text


# How a pattern reads when the failing cases raised instead of returning wrong values (for the patterns
# whose sentence describes wrong values: "+= not =" would mislead about an exception).
_RAISED = {
    "pool-default-stride": "the stride is not 2, the default of maxpool2d_forward/backward's stride: the stride "
                           "argument is lost somewhere, so the default is used (a call such as "
                           "maxpool2d_forward(x, size) that leaves stride out, or a hard-coded 2): pass stride on",
    "stride-ignored-backward": "the stride is larger than 1: an index or a slice of the backward pass that "
                               "involves the stride is wrong there (window (i, j) starts at (i*stride, j*stride) "
                               "of the padded input, so its kernel entry (u, v) sits at (i*stride + u, j*stride + "
                               "v): the slice of entry (u, v) over every window starts at u and steps by the stride)",
    "overlap-overwritten": "windows overlap (stride < kernel size): the code assumes windows side by side",
    "pool-overlap-overwritten": "pooling windows overlap (stride < size): code that upsamples with np.repeat or "
                                "cuts x into size x size blocks assumes windows side by side; window (i, j) "
                                "starts at (i*stride, j*stride) and its dout goes to its maximum there",
    "pool-not-tiling": "the windows do not tile the image exactly (stride != size, or H, W not multiples of "
                       "size): reshaping x into size x size blocks only works when they do; use windows that "
                       "start every `stride` pixels (sliding_window_view) and drop partial windows at the border",
}


def _name_factor(got, want, sizes: dict) -> str | None:
    """When ``got`` is ``want`` times a constant that is exactly one of the case's ``sizes`` (or its
    inverse), say which size: a sum that was averaged (or counted twice) over that axis."""
    g, e = np.asarray(got, dtype=_float64), np.asarray(want, dtype=_float64)
    mask = np.abs(e) > 1e-9
    if g.shape != e.shape or not bool(mask.any()):
        return None
    k = float(np.median(g[mask] / e[mask]))
    if not core.close(g, k * e, 1e-5, 1e-7):
        return None
    for label, value in sizes.items():
        if value > 1 and abs(k * value - 1) < 1e-4:
            return (f"it is exactly the expected value divided by {label} = {value}: a layer's backward pass "
                    f"SUMS the contributions over {label.split(' (')[0]} (nothing is averaged; the 1/N of the "
                    f"mean lives in the loss backward only)")
        if value > 1 and abs(k / value - 1) < 1e-4:
            return (f"it is exactly {label} = {value} times the expected value: each contribution is counted "
                    f"once, do not multiply by {label.split(' (')[0]}")
    return None


def _close_sized(got, want, *, name, sizes, diagnose, **tol):
    """expect_close, with a constant factor named after the case size it equals."""
    try:
        expect_close(got, want, name=name, diagnose=diagnose, **tol)
    except core.CheckFailure as exc:
        if exc.diagnosis == "scaled":
            named = _name_factor(got, want, sizes)
            if named:
                fail(f"{name}: {named}", "scaled-by-size")
        raise


def _raised(exc) -> bool:
    """The failure is an exception the student's code raised ON PURPOSE (NotImplementedError, or a `raise`
    statement of their own), not a crash of the computation (a reshape or broadcast error says more itself)."""
    if exc is None:
        return False
    if "(it raised NotImplementedError)" in str(exc):
        return True
    seen = exc
    for _ in range(8):
        if seen is None:
            return False
        remote = getattr(seen, "remote_where", None)
        if "`raise " in (getattr(seen, "where", "") or "") or (remote and str(remote[1]).lstrip().startswith("raise ")):
            return True
        if hasattr(seen, "remote_where"):       # raised in the kernel: its line is the student's (said above)
            return False
        tb = None if isinstance(seen, core.CheckFailure) else seen.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        if tb is not None:
            import linecache
            file = tb.tb_frame.f_code.co_filename
            if "autograder" not in file and linecache.getline(file, tb.tb_lineno).lstrip().startswith("raise "):
                return True
        seen = seen.__cause__ or seen.__context__
    return False


def _raises_by_option(results, name, options, rule) -> None:
    """Every failing case RAISES, and exactly the cases with a non-plain value of one option (stride > 1, pad > 0,
    overlapping windows...) raise, while every other case runs (two of each at least, of pairwise other sizes): that
    option is not supported.  ``options``: (is the case's option non-plain?, words for those cases, words for the
    plain ones)."""
    raising = {id(c) for c, e in results if e is not None}
    if len(raising) < 2 or not all(_raised(e) for _c, e in results if e is not None) or \
            len(results) - len(raising) < 2:
        return
    for other, words, plain in options:
        if {id(c) for c, _e in results if other(c)} == raising:
            first = next(e for _c, e in results if e is not None)
            fail(f"{first}: {name} raises in every case with {words} ({len(raising)} cases) and runs in every case "
                 f"with {plain} ({len(results) - len(raising)} cases): {words} must be supported, by the same rule "
                 f"({rule})", "option-not-supported")


def _attempt(thunk):
    """None when ``thunk()`` passes, else its CheckFailure."""
    try:
        thunk()
    except core.CheckFailure as exc:
        return exc
    return None


# ---------------------------------------------------------------------------------------------
# Output size
# ---------------------------------------------------------------------------------------------

SIZE_CASES = [(28, 3, 1, 1), (28, 5, 1, 0), (7, 3, 2, 1), (10, 3, 3, 0), (9, 2, 2, 0),
              (11, 5, 3, 2), (6, 6, 1, 0), (13, 4, 4, 1), (14, 2, 2, 0), (8, 3, 2, 0),
              # a kernel larger than the unpadded input that fits once padded (a 3x3 conv, pad 1, on a 2x2 map)
              (2, 3, 1, 1), (3, 5, 2, 2)]


_FLOOR_PER_TERM = ("the floor division is applied to the terms one by one ({form}): floor(a - b) is not floor(a) - "
                   "floor(b) (the remainders are lost separately); divide the whole numerator once, (n + 2*pad - k) "
                   "// stride + 1")
_SIZE_MISTAKES = {
    _FLOOR_PER_TERM.format(form="n // stride - k // stride + 2*pad // stride"):
        lambda n, k, s, p: n // s - k // s + 2 * p // s + 1,
    _FLOOR_PER_TERM.format(form="(n + 2*pad) // stride - k // stride"):
        lambda n, k, s, p: (n + 2 * p) // s - k // s + 1,
    _FLOOR_PER_TERM.format(form="n // stride + (2*pad - k) // stride"):
        lambda n, k, s, p: n // s + (2 * p - k) // s + 1,
    "the +1 is missing: the first window starts at position 0, so there is one more position than "
    "there are strides, (n + 2*pad - k) // stride + 1": lambda n, k, s, p: (n + 2 * p - k) // s,
    "the padding is added to one side only: it is added on both sides, n + 2*pad":
        lambda n, k, s, p: (n + p - k) // s + 1,
    "the padding is ignored: the padded length is n + 2*pad": lambda n, k, s, p: (n - k) // s + 1,
    "rounded up: a window that does not fit entirely is not counted, round DOWN (integer division //)":
        lambda n, k, s, p: -(-(n + 2 * p - k) // s) + 1,
    "rounded to the nearest integer (round): a window that does not fit entirely is not counted, round "
    "DOWN (integer division //)": lambda n, k, s, p: round((n + 2 * p - k) / s) + 1,
    "the +1 is inside the division: (n + 2*pad - k + 1) // stride counts the positions only for "
    "stride 1; the first window, then one more per stride: (n + 2*pad - k) // stride + 1":
        lambda n, k, s, p: (n + 2 * p - k + 1) // s,
    "the stride is ignored: with stride s only every s-th position starts a window":
        lambda n, k, s, p: n + 2 * p - k + 1,
    "k is subtracted AFTER the division ((n + 2*pad) // stride - k + 1): the kernel size belongs in the numerator, "
    "(n + 2*pad - k) // stride + 1 (parentheses around n + 2*pad - k)": lambda n, k, s, p: (n + 2 * p) // s - k + 1,
    "% (the remainder) where the floor division // belongs: (n + 2*pad - k) % stride is what is LEFT OVER after "
    "the division (0 with stride 1, so the answer is 1 whatever n); the number of strides that fit is the "
    "quotient, (n + 2*pad - k) // stride + 1": lambda n, k, s, p: (n + 2 * p - k) % s + 1,
    "the numerator is MULTIPLIED by the stride (* where the floor division // belongs): with stride s only every "
    "s-th position starts a window, (n + 2*pad - k) // stride + 1": lambda n, k, s, p: (n + 2 * p - k) * s + 1,
}


_SIZE_TERMS = (("+", "n"), ("+", "2*pad"), ("-", "k"))     # the numerator of (n + 2*pad - k) // stride + 1


def _groupings(tokens: list) -> list[str]:
    """Every way of putting parentheses in the flat expression ``tokens`` (operands and binary operators
    alternating): one string per binary tree, each operation in its own parentheses."""
    if len(tokens) == 1:
        return [tokens[0]]
    out = []
    for i in range(1, len(tokens), 2):
        out += [f"({a} {tokens[i]} {b})" for a in _groupings(tokens[:i]) for b in _groupings(tokens[i + 1:])]
    return out


def _size_fits(got: dict):
    """A test of an expression in n, k, stride, pad: it gives every answer of ``got`` and is wrong somewhere."""
    cases = list(got)

    def fits(expr: str) -> bool:
        try:
            values = [eval(expr, {}, {"n": c[0], "k": c[1], "stride": c[2], "pad": c[3]})   # our own expressions
                      for c in cases]
        except ZeroDivisionError:
            return False
        return all(v == got[c] for v, c in zip(values, cases)) and any(
            v != len(_starts(c[0] + 2 * c[3], c[1], c[2])) for v, c in zip(values, cases))
    return fits


def _size_regrouped(got: dict, first: str) -> None:
    """The answers of conv_output_size fit the right formula with one or two terms of the numerator added or
    subtracted AFTER the division instead of inside it ((n - k) // stride + 2*pad + 1).  Generated from the
    formula's terms, not catalogued: whichever terms are moved out is named."""
    fits = _size_fits(got)

    def join(terms) -> str:
        text = " ".join(f"{sign} {t}" for sign, t in terms)
        return text[2:] if text.startswith("+ ") else "-" + text[2:].lstrip()

    for size in (1, 2):
        for moved in itertools.combinations(_SIZE_TERMS, size):
            kept = [t for t in _SIZE_TERMS if t not in moved]
            expr = f"({join(kept)}) // stride {' '.join(f'{sg} {t}' for sg, t in moved)} + 1"
            if fits(expr):
                names = " and ".join(f"`{t}`" for _, t in moved)
                verb = " and ".join(sorted({"added" if sg == "+" else "subtracted" for sg, _ in moved}))
                fail(f"{first}: your answers fit `{expr}`: {names} {'is' if size == 1 else 'are'} {verb} "
                     f"AFTER the division, outside the division by the stride; the padded length minus the kernel is "
                     f"divided as a whole, every term inside the parentheses: (n + 2*pad - k) // stride + 1",
                     "size-term-outside-the-division")


def _size_parenthesised(got: dict, first: str) -> None:
    """The answers of conv_output_size fit the symbols n + 2*pad - k // stride + 1 with the parentheses elsewhere
    ((n + 2*pad - k) // (stride + 1), ...): every grouping is generated and the plainest that fits is quoted."""
    fits = _size_fits(got)
    tokens = ["n", "+", "2*pad", "-", "k", "//", "stride", "+", "1"]
    fitting = sorted({ast.unparse(ast.parse(e, mode="eval")) for e in _groupings(tokens) if fits(e)}, key=len)
    for expr in fitting[:1]:                  # the plainest way of writing it (fewest parentheses)
        fail(f"{first}: your answers fit `{expr}`: the right symbols with the parentheses misplaced; the whole "
             f"numerator n + 2*pad - k is divided by the stride (and by nothing else), then 1 is added: "
             f"(n + 2*pad - k) // stride + 1", "size-parentheses-misplaced")


def _size_arguments_mixed(conv_output_size, raised) -> None:
    """When the call raised on some cases (a division by an argument that is 0 there, ...), try the
    formula with its arguments permuted on every case: mixed-up arguments explain all the answers."""
    import itertools
    names = ("n", "k", "stride", "pad")
    seen = {}
    for case in SIZE_CASES:
        try:
            seen[case] = core.call(conv_output_size, *case, name="conv_output_size")
        except core.CheckFailure:
            seen[case] = None
    for perm in itertools.permutations(range(4)):
        if perm == (0, 1, 2, 3):
            continue
        def formula(case):
            a = [case[i] for i in perm]
            return None if a[2] == 0 else (a[0] + 2 * a[3] - a[1]) // a[2] + 1
        if all(formula(c) == v for c, v in seen.items()) and any(v is not None for v in seen.values()):
            used = ", ".join(f"{names[i]} where the formula has {names[j]}" for j, i in enumerate(perm) if i != j)
            fail(f"{raised}: the arguments are mixed up: your code uses {used}; conv_output_size(n, k, stride=1, "
                 f"pad=0) returns (n + 2*pad - k) // stride + 1", "size-arguments-mixed")


def _defaults(fn, name: str, required: tuple, defaults: tuple, oracle, same, context: str) -> None:
    """The documented defaults of the trailing parameters (``defaults``: (name, value) pairs, in order): fn called
    with every value given, then with the last one left out, then the last two...; the first call whose answer
    differs from (or raises where) the one with every value given names the default that is wrong: the two
    calls differ only by that omitted argument."""
    values = tuple(v for _, v in defaults)
    want = oracle(*required, *values)
    try:
        if not same(core.call(fn, *required, *values, name=name), want):
            return                                   # wrong with explicit values: the other checks say why
    except core.CheckFailure:
        return
    for j in range(1, len(defaults) + 1):
        param, value = defaults[len(defaults) - j]
        head = f"{name} ({context}) called without {param}"
        try:
            got = core.call(fn, *required, *values[:len(values) - j], name=name)
        except core.CheckFailure as exc:
            fail(f"{head} raised ({str(exc).split(': ', 1)[-1][:120]}) and works with {param}={value!r} given: the "
                 f"default value of {param} must be {value!r}, as in the signature ({param}={value!r})", "wrong-default")
        if not same(got, want):
            fail(f"{head} gives another answer than with {param}={value!r} given: the default value of {param} must "
                 f"be {value!r}, as in the signature ({param}={value!r}); the other layers call it without {param}",
                 "wrong-default")


def conv_output_size(conv_output_size):
    _conv_output_size(conv_output_size)
    same = lambda a, b: core.expect_scalar(a, name="conv_output_size") == b
    _defaults(conv_output_size, "conv_output_size", (28, 3), (("stride", 1), ("pad", 0)),
              lambda n, k, s, p: len(_starts(n + 2 * p, k, s)), same, "n=28, k=3")


def _size_kept(conv_output_size, case, i, name, first) -> None:
    """Before an argument is called ignored: a combination never asked before (n + 97, k + 6) is right the first
    time and, asked again with only `name` changed, gives the same answer: the answer is kept from an earlier call
    (a cache keyed on some of the arguments), not computed without `name`.  A call order question: an answer that
    depends on which call came first is state from an earlier call."""
    right = lambda c: len(_starts(c[0] + 2 * c[3], c[1], c[2]))
    fresh = (case[0] + 97, case[1] + 6, case[2], case[3])
    other = tuple(v + 1 if j == i else v for j, v in enumerate(fresh))
    if right(fresh) == right(other):
        other = tuple(v + 2 if j == i else v for j, v in enumerate(fresh))
    try:
        a, b = (core.expect_scalar(core.call(conv_output_size, *c, name="conv_output_size"), name="conv_output_size")
                for c in (fresh, other))
    except core.CheckFailure:
        return
    if a == right(fresh) and b == a != right(other):
        args = lambda c: ", ".join(f"{k}={v}" for k, v in zip(("n", "k", "stride", "pad"), c))
        fail(f"{first}: conv_output_size({args(fresh)}) asked for the first time is right ({a:g}), and conv_output_size("
             f"{args(other)}), asked right after it, returns {b:g} again where {right(other)} belongs: the answer "
             f"depends on which call came first: state from an earlier call (a cache or memo keyed on some of the "
             f"arguments only, a global set by the first call); the output length is computed from all four "
             f"arguments at every call, floor((n + 2*pad - k) / stride) + 1", "size-state-from-earlier-call")


def _size_argument_ignored(conv_output_size, case, value, first) -> None:
    """Re-run a wrong case with one argument changed at a time: an argument that changes the right size
    and never the answer is ignored by the result."""
    names = ("n", "k", "stride", "pad")
    for i, name in enumerate(names):
        # smaller values too (where valid): an answer that stays put only on one side of a threshold (k > n) is
        # a wrong branch, not an ignored argument
        variants = [tuple(v + d if j == i else v for j, v in enumerate(case)) for d in (1, 2, 3, 5, 8, -1, -2)
                    if case[i] + d >= (0 if name == "pad" else 1)]
        rights = [len(_starts(c[0] + 2 * c[3], c[1], c[2])) for c in variants]
        if len(set(rights + [len(_starts(case[0] + 2 * case[3], case[1], case[2]))])) < 2:
            continue
        try:
            answers = [core.expect_scalar(core.call(conv_output_size, *c, name="conv_output_size"),
                                          name="conv_output_size") for c in variants]
        except core.CheckFailure:
            continue
        if all(a == value for a in answers):
            _size_kept(conv_output_size, case, i, name, first)
            shown = ", ".join(f"{name}={c[i]}" for c in variants[:3]) + ", ..."
            fail(f"{first}: the result ignores `{name}`: with {shown} it is still {value:g}, where "
                 f"{', '.join(map(str, rights[:3]))}, ... belong; the output length is floor((n + 2*pad - k) / stride) + 1",
                 f"size-ignores-{name}")


def _conv_output_size(conv_output_size):
    got = {}
    for n, k, s, p in SIZE_CASES:
        context = f"n={n}, k={k}, stride={s}, pad={p}"
        try:
            answer = _call(conv_output_size, (n, k, s, p), "conv_output_size", context)
        except core.CheckFailure as exc:
            _size_arguments_mixed(conv_output_size, exc)
            if "ZeroDivisionError" in str(exc):
                zero = [a for a, v in zip(("n", "k", "stride", "pad"), (n, k, s, p)) if v == 0]
                fail(f"{exc}: a division by zero, and the only argument that is 0 here is {' and '.join(zero)}: "
                     f"the division is by the stride, (n + 2*pad - k) // stride + 1", "size-divides-by-zero")
            raise
        value = core.expect_scalar(answer, name=f"conv_output_size({context})")
        if value != round(value):
            fail(f"conv_output_size({context}) returned {value:g}, not a whole number: the number of "
                 f"window positions is floor((n + 2*pad - k) / stride) + 1; use integer division //",
                 "size-not-whole")
        if isinstance(answer, bool) or not isinstance(answer, (int, np.integer)):
            fail(f"conv_output_size({context}) returned {value:g} as {type(answer).__name__}, not an int: the "
                 f"docstring returns an int, and a size must be one (np.zeros((N, C, H_out, W_out)) and reshape "
                 f"refuse a float): use integer division, (n + 2*pad - k) // stride + 1 (a true division / or np.floor "
                 f"returns a float)",
                 "size-not-int")
        got[n, k, s, p] = value
    wrong = [case for case, value in got.items() if value != len(_starts(case[0] + 2 * case[3], case[1], case[2]))]
    if not wrong:
        return
    n, k, s, p = wrong[0]
    first = (f"conv_output_size(n={n}, k={k}, stride={s}, pad={p}) returned {got[wrong[0]]:g} instead of "
             f"{len(_starts(n + 2 * p, k, s))}")
    for message, formula in _SIZE_MISTAKES.items():      # the mistake that explains every answer
        if all(value == formula(*case) for case, value in got.items()):
            fail(f"{first}: {message}", "size-" + _diag_id(message.split(":")[0]))
    _size_regrouped(got, first)
    larger = {c for c in got if c[1] > c[0]}             # k > n: the window fits only in the padded input
    if set(wrong) == larger:
        shown = ", ".join(f"conv_output_size(n={c[0]}, k={c[1]}, stride={c[2]}, pad={c[3]}) returned {got[c]:g}, "
                          f"expected {len(_starts(c[0] + 2 * c[3], c[1], c[2]))}" for c in wrong)
        fail(f"{shown}: wrong exactly when the kernel is larger than the unpadded input (k > n) and right in every "
             f"other case: a kernel larger than n still fits once the input is padded; a test of whether the window fits "
             f"must look at the padded length n + 2*pad (not n), and one formula holds for all, "
             f"(n + 2*pad - k) // stride + 1",
             "size-fit-ignores-padding")
    # an argument the answer never depends on is said first: a formula term fitted to the answers may write it
    # with another argument in its place ((n + 2*pad) // stride equals (n + 2*pad - stride) // stride + 1)
    _size_argument_ignored(conv_output_size, wrong[0], got[wrong[0]], first)
    cases = list(got)
    env = {name: np.array([float(c[i]) for c in cases]) for i, name in enumerate(("n", "k", "stride", "pad"))}
    term = explain_formula("(n + 2 * pad - k) // stride + 1", env, np.array([got[c] for c in cases]), rtol=0,
                           atol=1e-9, what="answers")
    if term:                                              # one edit of the formula explains every answer
        fail(f"{first}: {term}", "size-formula-term")
    _size_parenthesised(got, first)
    right = {case for case in got if case not in wrong}
    for predicate, sentence, diagnosis in (
            (lambda c: c[2] > 1, "right for stride 1 only: with stride s, (n + 2*pad - k) // s + 1", "size-stride-only"),
            (lambda c: c[3] > 0, "right without padding only: pad zeros on both sides, n + 2*pad", "size-padding-only")):
        if all(predicate(c) for c in wrong) and any(not predicate(c) for c in right):
            fail(f"{first}: {sentence}", diagnosis)
    want = {case: len(_starts(case[0] + 2 * case[3], case[1], case[2])) for case in got}
    offsets = {got[c] - want[c] for c in wrong}
    by = (f" (off by {offsets.pop():+g} there)" if len(offsets) == 1 else "")
    for predicate, where in ((lambda c: c[2] == 1, "when stride is 1"), (lambda c: c[2] > 1, "when stride > 1"),
                             (lambda c: c[3] == 0, "when pad is 0"), (lambda c: c[3] > 0, "when pad > 0"),
                             (lambda c: c[1] == 1, "when k is 1"), (lambda c: c[1] > 1, "when k > 1")):
        if set(wrong) == {c for c in got if predicate(c)}:   # the wrong cases are exactly those
            fail(f"{first}: wrong exactly {where}{by} and right in every other case: the special case "
                 f"({where.split('when ')[1]}) is computed differently from the rest; one formula holds for "
                 f"all, floor((n + 2*pad - k) / stride) + 1", "size-wrong-in-one-branch")
    _size_arguments_mixed(conv_output_size, first)
    fail(f"{first}: the output length is floor((n + 2*pad - k) / stride) + 1 (right for "
         f"{len(right)} of {len(got)} cases)", "size-wrong")


# ---------------------------------------------------------------------------------------------
# Convolution forward
# ---------------------------------------------------------------------------------------------

def _scrambled(out, axes):
    """``out`` laid out in memory with its axes in order ``axes``, then reshaped (not transposed)
    back to the shape of ``out``: what a reshape used instead of a transpose produces."""
    return np.ascontiguousarray(out.transpose(axes)).reshape(out.shape)


def _out_size(case, *, stride=None, pad=None, one_side=False):
    """(H_out, W_out) of a case, optionally with another stride/padding (mistake predictions)."""
    _, _, h, w, _, kh, kw, s, p, _ = case
    s = s if stride is None else stride
    p = p if pad is None else pad
    grow = p if one_side else 2 * p
    return len(_starts(h + grow, kh, s)), len(_starts(w + grow, kw, s))


def _conv_shape_candidates():
    """(case -> shape a mistake gives, message, id), most specific first."""
    n_ = lambda c: c[0]
    starts = lambda c: tuple(len(range(0, v + 2 * c[8] - k, c[7])) for v, k in ((c[2], c[5]), (c[3], c[6])))
    return [
        (lambda c: (n_(c), c[4], *starts(c)),
         "the last window position is dropped: window starts run over range(0, H + 2*pad - KH + 1, stride) (the "
         "stop of range is excluded, so H + 2*pad - KH alone stops one start short)", "last-window-dropped"),
        (lambda c: (n_(c), *_out_size(c), c[4]),
         "the channel axis is last: return (N, C_out, H_out, W_out), channels second (transpose, do not reshape)",
         "channels-last"),
        (lambda c: (n_(c), c[4], *_out_size(c)[::-1]),
         "height and width are swapped: the output is (N, C_out, H_out, W_out)", "height-width-swapped"),
        (lambda c: (n_(c), c[4], *_out_size(c, one_side=True)),
         "the padding is added on one side only: pad `pad` zeros on BOTH sides of H and W, "
         "np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))", "padding-one-side"),
        (lambda c: (n_(c), c[4], *_out_size(c, pad=0)),
         "the padding is ignored: pad the input with `pad` zeros on every side of H and W first", "padding-ignored"),
        (lambda c: (n_(c), c[4], *_out_size(c, pad=2 * c[8])),
         "your output sizes are those of an input with 2*pad zeros on every side of H and W (H + 4*pad - KH) // "
         "stride + 1: the input is padded twice (np.pad on x, then again on the padded array, or a padded array "
         "given to code that pads): pad once, np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))", "padded-twice"),
        (lambda c: (n_(c), c[4], *_out_size(c, stride=1)),
         "the stride is ignored: only every stride-th window position gives an output", "stride-ignored"),
        (lambda c: (n_(c), c[4], *_out_size(c, pad=c[7])),
         "your output sizes are those of an input padded by `stride` zeros instead of `pad` in every case: the "
         "padding is np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))", "padded-by-stride"),
        (lambda c: (n_(c), c[4], *_out_size(c, pad=c[5] // 2)),
         "your output sizes are those of 'same' padding, pad = KH // 2, in every case, whatever the pad argument: "
         "pad the input by the `pad` you are given (np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))); do not "
         "recompute it from the kernel size", "padding-from-kernel-size"),
        (lambda c: (n_(c), c[4], len(_starts(c[2] + 2 * (c[5] - 1), c[5], c[7])),
                    len(_starts(c[3] + 2 * (c[5] - 1), c[6], c[7]))),
         "your output sizes are those of 'full' padding, pad = KH - 1 on every side (scipy.signal.convolve2d's "
         "mode='full': every offset where the kernel touches the image), in every case, whatever the pad argument: "
         "pad the input by the `pad` you are given (np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))); do not "
         "recompute it from the kernel size", "padding-full"),
        (lambda c: (n_(c), c[4], len(_starts(c[2] + 2 * (c[5] - 1), c[5], c[7])),
                    len(_starts(c[3] + 2 * (c[6] - 1), c[6], c[7]))),
         "your output sizes are those of 'full' padding, KH - 1 rows and KW - 1 columns on every side "
         "(scipy.signal.convolve2d's mode='full'), in every case, whatever the pad argument: pad the input by the "
         "`pad` you are given (np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))); do not recompute it from the "
         "kernel size", "padding-full"),
        (lambda c: (n_(c), c[4], _out_size(c)[0], _out_size(c, stride=1)[1]),
         "the stride is applied along H only: step by the stride along W too ([:, :, ::stride, ::stride])",
         "stride-one-axis"),
        (lambda c: (n_(c), c[4], _out_size(c, stride=1)[0], _out_size(c)[1]),
         "the stride is applied along W only: step by the stride along H too ([:, :, ::stride, ::stride])",
         "stride-one-axis"),
        (lambda c: (n_(c), c[4], *(v + 1 for v in _out_size(c))),
         "the output size is off by one: H_out = (H + 2*pad - KH) // stride + 1", "size-off-by-one"),
        (lambda c: (n_(c), c[4], *(v - 1 for v in _out_size(c))),
         "the output size is off by one: H_out = (H + 2*pad - KH) // stride + 1", "size-off-by-one"),
        (lambda c: (n_(c), c[1], *_out_size(c)),
         "the output has C_in channels: each of the C_out kernels w[o] gives one output channel, summing "
         "over all C_in input channels", "c-in-channels"),
        (lambda c: (c[4] if n_(c) == 1 else n_(c), c[4], *_out_size(c)),
         BIAS_BATCH[0], BIAS_BATCH[1]),
        (lambda c: (n_(c), c[4], *(min(o, v) for o, v in zip(_out_size(c), c[2:4]))),
         "your output is cut to the input's size H x W where the rule's output is larger (H_out = (H + 2*pad - KH) "
         "// stride + 1 exceeds H with a small kernel and a large pad): the output is cropped to the input size "
         "('same' padding assumed?); its size follows the formula, whatever the input size", "output-cropped-to-input"),
    ]


BIAS_LAST = ("a bias of shape (C_out,) broadcasts against the LAST axis (W_out); reshape it to (1, C_out, 1, 1) "
             "so that b[o] is added to channel o", "bias-last-axis")
BIAS_BATCH = ("the bias lines up with the BATCH axis of the output: either it was reshaped to (C_out, 1, 1, 1), or "
              "it was added while the output channels were still the FIRST axis (to the (C_out, N, H_out, W_out) "
              "product, before its transpose); add b.reshape(1, C_out, 1, 1) to the output of shape (N, C_out, "
              "H_out, W_out), so that b[o] is added to channel o", "bias-batch-axis")

FORWARD_PATTERNS = [
    (lambda c: c[8] > 0, "right without padding and wrong with pad > 0: pad only the two spatial axes, with "
                         "`pad` zeros on each side, np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))) "
                         "(np.pad(x, pad) pads the batch and channel axes too), and take window (i, j) at "
                         "(i*stride, j*stride) OF the padded input, whose padding is already in place (no + pad "
                         "there)", "padding-only-fails"),
    (lambda c: c[7] > 1, "right for stride 1 and wrong for larger strides: window (i, j) starts at "
                         "(i*stride, j*stride) of the padded input", "stride-only-fails"),
    (lambda c: c[5] != c[6], "right for square kernels only: KH runs along H and KW along W", "square-kernel-only"),
    (lambda c: np.dtype(c[9]) == np.float32, "right in float64 and wrong in float32: compute in the dtype of x "
                                              "(or in float64 and cast the result back)", "float32-only-fails"),
]


def _isolate(student, oracle, args: dict, exc, dt) -> None:
    """After a generic failure: which input the error comes from (checks/isolate.py), said after the failure's
    head; nothing when no experiment localises it."""
    found = explain_arguments(student, oracle, args, **_tol(dt), tag="lab07")
    if found:
        fail(f"{_head(exc)}: {found[0]}", found[1])


def _conv_forward_values(got, x, wt, b, case, context):
    _, c, _, _, co, kh, kw, s, p, dt = case
    want = _conv(x, wt, b, s, p)
    if s > 1 and _shape(got) != want.shape:
        xp = np.pad(np.asarray(x, _float64), ((0, 0), (0, 0), (p, p), (p, p)))
        sub = _conv(xp[:, :, ::s, ::s], wt, b, 1, 0)
        if sub.shape == _shape(got) and core.close(np.asarray(got, _float64), sub, **_tol(dt)):
            fail(f"conv2d_forward ({context}): expected shape {want.shape}, got {_shape(got)}: your output is the "
                 f"stride-1 convolution of the input SUBSAMPLED by the stride (xp[:, :, ::stride, ::stride] taken "
                 f"before the windows are cut): the stride says where windows START, each window is KH x KW "
                 f"CONSECUTIVE pixels; cut all windows first, then keep every stride-th one "
                 f"(sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride])", "input-subsampled")
    got = _expect(got, f"conv2d_forward ({context})", want.shape, dt, want=want)
    flipped = wt[:, :, ::-1, ::-1]
    diagnose = {
        "the kernel is flipped: a CNN 'convolution' is a cross-correlation, use w as it is "
        "(no w[:, :, ::-1, ::-1])": lambda: _conv(x, flipped, b, s, p),
        "the bias is missing: add b[o] to every position of output channel o":
            lambda: _conv(x, wt, np.zeros(co), s, p),
        "your output is the expected one with every negative value set to 0: an activation (ReLU, np.maximum(..., "
        "0)) is applied inside the convolution; conv2d_forward returns the raw sums plus the bias, the activation is "
        "a layer of its own": lambda: np.maximum(want, 0),
        "the padding is not zeros: pad with zeros (np.pad's default mode='constant'), "
        "not by repeating the border": lambda: _conv(x, wt, b, s, p, mode="edge"),
        "the patches are flattened in (KH, KW, C_in) order but w.reshape(C_out, -1) is in "
        "(C_in, KH, KW) order: flatten both the same way": lambda: _conv(
            x, wt.reshape(co, kh, kw, c).transpose(0, 3, 1, 2), b, s, p),
        "the channel axis is mixed with the spatial axes: an (N, H_out, W_out, C_out) result was "
        "reshaped to (N, C_out, H_out, W_out); move axes with transpose, not reshape":
            lambda: _scrambled(_conv(x, wt, np.zeros(co), s, p), (0, 2, 3, 1)) + b[None, :, None, None],
        "the batch and channel axes are mixed: a (C_out, N, H_out, W_out) result was reshaped to "
        "(N, C_out, H_out, W_out); move axes with transpose, not reshape":
            lambda: _scrambled(_conv(x, wt, np.zeros(co), s, p), (1, 0, 2, 3)) + b[None, :, None, None],
        "the kernel matrix was reshaped, not transposed: w.reshape(C_out, -1) has one row per output "
        "channel in (C_in, KH, KW) order": lambda: _conv(x, wt.reshape(-1, co).T.reshape(wt.shape), b, s, p),
        "the kernel matrix mixes the output and input channels: w.swapaxes(0, 1) (C_in first) reshaped to "
        "(C_out, -1) gives rows that are not the output channels; w is already (C_out, C_in, KH, KW): "
        "w.reshape(C_out, -1) as it is": lambda: _conv(x, np.swapaxes(wt, 0, 1).reshape(wt.shape), b, s, p),
    }
    if want.shape[3] == co:
        diagnose["the bias is added along the last axis (W_out) instead of the channels: "
                 "reshape b to (1, C_out, 1, 1)"] = lambda: _conv(x, wt, np.zeros(co), s, p) + b[None, None, None, :]
    if kh == kw:
        diagnose["the kernel's rows and columns are swapped: w[o, c, u, v] multiplies "
                 "xp[n, c, i*stride + u, j*stride + v] (u along H, v along W)"] = \
            lambda: _conv(x, wt.transpose(0, 1, 3, 2), b, s, p)
    try:
        expect_close(got, want, name=f"conv2d_forward ({context})", **_tol(dt), diagnose=diagnose)
    except core.CheckFailure as exc:
        if _generic(exc):
            _images_left_out(got, want, case, f"conv2d_forward ({context})")
            _output_padded(got, x, wt, b, case, context)
            _padding_value(got, want, x, wt, case, context)
            _bias_term(got, want, b, case, context)
            mixed = _layout_mixup(got, want, ("N", "C_out", "H_out", "W_out"), _tol(dt))
            if mixed:
                fail(f"conv2d_forward ({context}): {mixed[0]}", mixed[1])
            _sum_scaled(got, want, b, case, context)
            _conv_readings(got, x, wt, b, case, context)
        raise


def _output_padded(got, x, wt, b, case, context) -> None:
    """The output read as the convolution of the UNPADDED x with `pad` zeros put around the RESULT (plus the bias,
    added before or after): the border outputs then hold the bias alone.  An exact match of every output of random
    inputs is the reading itself."""
    p, s, dt = case[8], case[7], case[9]
    if p == 0:
        return
    inner = _conv(x, wt, np.zeros(np.shape(wt)[0]), s, 0)
    ring = ((0, 0), (0, 0), (p, p), (p, p))
    g = np.asarray(got, _float64)
    bias = np.asarray(b, _float64).reshape(1, -1, 1, 1)
    for value in (np.pad(inner, ring) + bias, np.pad(inner + bias, ring)):
        if value.shape == g.shape and core.close(g, value, **_tol(dt)):
            fail(f"conv2d_forward ({context}): your output is the convolution of the UNPADDED x with zeros put "
                 f"around the OUTPUT ({p} on each side; its border holds the bias alone): the zeros go around the INPUT, xp = np.pad(x, "
                 f"((0, 0), (0, 0), (pad, pad), (pad, pad))), and the windows slide over xp, so the border outputs "
                 f"see the image's edge next to the padding's zeros", "output-padded")


def _padding_value(got, want, x, wt, case, context) -> None:
    """The output read as the convolution of x padded with a constant c other than 0: the convolution is linear in
    the padded input, so yours - expected = c * (the convolution of the padding's mask with w, no bias); c is fitted
    from the border outputs and must reproduce every output exactly."""
    p, s, dt = case[8], case[7], case[9]
    if p == 0:
        return
    mask = np.pad(np.zeros(np.shape(x)), ((0, 0), (0, 0), (p, p), (p, p)), constant_values=1.0)
    border = _conv(mask, wt, np.zeros(np.shape(wt)[0]), s, 0)
    diff = (np.asarray(got, _float64) - want).ravel()
    scale = border.ravel()
    if not np.all(np.isfinite(diff)) or not np.any(scale):
        return
    c = float(scale @ diff / (scale @ scale))
    if abs(c) < 1e-9 or not core.close(np.asarray(got, _float64), want + c * border, **_tol(dt)):
        return
    value = f"{round(c):d}" if abs(c - round(c)) < 1e-6 else f"{c:.6g}"
    said = " (= pad: the value given for the padding is pad itself, np.pad(..., constant_values=pad)?)" \
        if abs(c - p) < 1e-6 else ""
    fail(f"conv2d_forward ({context}): your output is exactly the convolution of x padded with the value {value}, "
         f"not with zeros: your padding is filled with the value {value}{said}; pad with zeros, np.pad(x, ((0, 0), "
         f"(0, 0), (pad, pad), (pad, pad))) (constant_values defaults to 0; pad says how MANY, not which value)",
         "padding-not-zeros-value")


_SWEEP = (1, 3, 5, 9)


def _batch_sweep(run, head: str) -> None:
    """Asked after a failure of a function whose results are per image (axis 0 of each is N): ``run(n)`` calls the
    student's function on n images of the same sizes (channels, image sizes, windows) and returns (got arrays, want
    arrays), or None when the call raised.  The batch sizes N = 1, 3, 5, 9 separate a batch-size effect from the
    readings of one case: the images right are the first floor(N / c) * c for one c (and the rest all 0) -> a loop
    over chunks of c images drops the last partial chunk; the first k whatever N -> the loop stops after k; right
    for small N and raising from some N on -> a later chunk is sliced wrong.  Told only when every N agrees."""
    rows = []
    for n in _SWEEP:
        try:
            res = run(n)
        except core.CheckFailure:
            res = None
        if res is None:
            rows.append((n, None, None))
            continue
        got, want = res
        try:
            got = [np.asarray(g, _float64) for g in got]
            if any(g.shape != np.shape(w_) for g, w_ in zip(got, want)):
                return
        except (TypeError, ValueError):
            return
        right = [all(core.close(g[i], w_[i], 1e-6, 1e-9) for g, w_ in zip(got, want)) for i in range(n)]
        zero = [all(not np.any(g[i]) for g in got) for i in range(n)]
        rows.append((n, right, zero))
    done = [row for row in rows if row[1] is not None]
    if len(done) == len(rows) and all(all(right) for _, right, _ in done):
        return
    sizes = ", ".join(str(n) for n in _SWEEP)
    if len(done) == len(rows):
        firsts = [next((i for i, ok in enumerate(right) if not ok), n) for n, right, _ in done]
        tails_zero = all(all(zero[k:]) and all(right[:k]) for (n, right, zero), k in zip(done, firsts))
        if tails_zero:
            for c in range(2, max(_SWEEP)):
                if all(k == n // c * c for (n, _, _), k in zip(done, firsts)) and any(n % c for n in _SWEEP):
                    fail(f"{head}: called again on the same sizes with N = {sizes} images, the images right are the "
                         f"first {', '.join(map(str, firsts))} and the later ones are all 0: every complete group of "
                         f"{c} images is right and the last partial group is missing: a loop over the batch in chunks "
                         f"of {c} images drops the last partial chunk (range(0, N - chunk + 1, chunk)?); cover every "
                         f"image, range(0, N, chunk) with x[s:s + chunk]", "batch-last-chunk-dropped")
            k = firsts[-1]
            if 0 < k < max(_SWEEP) and all(f == min(n, k) for (n, _, _), f in zip(done, firsts)):
                said = ("the loop over the samples ends after its first pass: a `return` indented inside the loop "
                        "over n (or a break)?" if k == 1 else f"the loop over the images stops after {k}: it does "
                        f"not run over N = x.shape[0] (a size read from another axis, or a fixed number?)")
                fail(f"{head}: called again on the same sizes with N = {sizes} images, the first {k} image(s) are "
                     f"right whatever N and the later ones are all 0: {said}", "images-left-out-any-batch")
        return
    raised = [n for n, right, _ in rows if right is None]
    fine = [n for n, right, _ in rows if right is not None and all(right)]
    if fine and raised and max(fine) < min(raised) and len(fine) + len(raised) == len(rows):
        fail(f"{head}: called again on the same sizes with N = {sizes} images, it is right for N = "
             f"{', '.join(map(str, fine))} and raises for N = {', '.join(map(str, raised))}: the images after the "
             f"first group are handled wrong: a loop over the batch in chunks (groups of images) whose slice is wrong "
             f"after the first chunk? slice every array of the chunk alike, x[s:s + chunk] and dout[s:s + chunk]",
             "batch-later-chunk-raises")


def _dw_positions(conv2d_backward, head: str, r) -> None:
    """dw is a sum over every output position (n, i, j) of dout[n, :, i, j] times the window under it.  A dw that
    equals the sum over the FIRST m of the P = N * H_out * W_out positions only (image, row, column order, or row,
    column, image), with m < P, on two cases whose m differ, is told: positions are left out."""
    said = []
    for case in (CONV_CASES[0], CONV_CASES[2]):
        n, c, h, w, co, kh, kw, s, p, dt = case
        x, wt, _b = _conv_inputs(r, case)
        ho, wo = _out_size(case)
        dout = r.normal(0, 1, (n, co, ho, wo))
        try:
            got = np.asarray(tuple(core.call(conv2d_backward, dout, x, wt, s, p, name="conv2d_backward"))[1], _float64)
        except (core.CheckFailure, TypeError, ValueError, IndexError):      # a raise answers nothing here
            return
        if got.shape != wt.shape:
            return
        xp = np.pad(np.asarray(x, _float64), ((0, 0), (0, 0), (p, p), (p, p)))
        win = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::s, ::s][:, :, :ho, :wo]
        found = None
        for order, label in (((0, 1, 2), "image, row, column"), ((1, 2, 0), "row, column, image")):
            cols = win.transpose(0, 2, 3, 1, 4, 5).transpose(*order, 3, 4, 5).reshape(n * ho * wo, -1)
            g = dout.transpose(0, 2, 3, 1).transpose(*order, 3).reshape(n * ho * wo, co)
            cum = np.cumsum(g[:, :, None] * cols[:, None, :], axis=0).reshape(n * ho * wo, -1)
            full = cum[-1]
            flat = got.reshape(-1)
            if core.close(flat, full, 1e-6, 1e-9):
                return
            tol = 1e-6 * np.abs(full).max() + 1e-9
            ms = [0] if not np.any(np.abs(flat) > tol) else []
            ms += [m + 1 for m in range(n * ho * wo - 1) if np.abs(cum[m] - flat).max() <= tol]
            if ms:
                found = (ms[0], n * ho * wo, label)
                break
        if found is None:
            return
        said.append(found)
    if len(said) == 2 and said[0][0] != said[1][0]:
        (m, total, label), (m2, total2, _l) = said
        fail(f"{head}: dw holds the contributions of the first {m} of the P = N * H_out * W_out = {total} output "
             f"positions only (in the order {label}; on a second case the first {m2} of {total2}): the last positions "
             f"are left out: a loop over blocks of positions (or of images) that drops the last partial block? dw "
             f"sums dout[n, :, i, j] times the window under it over EVERY position (n, i, j)", "dw-positions-left-out")


def _pool_negative_bwd(maxpool2d_backward, r) -> None:
    """max-pooling sends dout to each window's maximum whatever its sign.  Asked on every value negative, then on
    values of both signs: a dx that is 0 exactly in the windows whose maximum is <= 0 and right elsewhere, on both,
    is told (a ReLU's mask fused into the pooling backward)."""
    told = []
    for n, c, h, w, size, s, sign in ((2, 3, 6, 8, 2, 2, "negative"), (3, 2, 9, 7, 3, 2, "both")):
        x = _distinct(r, (n, c, h, w), _float64)
        # every value negative; or shifted so that about half of the windows have a negative maximum
        x = x - x.max() - 1.0 if sign == "negative" else x - np.median(_pool(x, size, s)) - 1 / 14
        dout = r.normal(0, 1, _pool(x, size, s).shape)
        said = "every value negative" if sign == "negative" else "half of the windows negative"
        context = f"x of shape {(n, c, h, w)}, {said}, size {size}, stride {s}"
        got = _call(maxpool2d_backward, (dout, x, size, s), "maxpool2d_backward", context)
        got = np.asarray(expect_array(got, name=f"maxpool2d_backward ({context})", shape=x.shape), _float64)
        want = _pool_grad(dout, x, size, s)
        if core.close(got, want, 1e-6, 1e-9):
            return
        if not core.close(got, _pool_grad(dout * (_pool(x, size, s) > 0), x, size, s), 1e-6, 1e-9):
            return
        told.append(context)
    fail(f"maxpool2d_backward ({told[0]}): the windows whose maximum is negative get no gradient (dx is 0 there), "
         f"here and on {told[1]}, while the others are right: a ReLU's mask (max > 0) fused into "
         f"the pooling backward? max-pooling sends each window's dout to its maximum whatever its sign",
         "pool-negative-windows-no-gradient")


def _images_left_out(got, want, case, head) -> None:
    """The first k images right and every later one all 0: the loop over the images stopped at k; name the size
    of the inputs k equals (a batch size read from another axis)."""
    n, c, h, w, co, kh, kw = case[:7]
    g = np.asarray(got, _float64)
    tol = _tol(case[-1])
    k = next((k for k in range(1, n) if not np.any(g[k:]) and core.close(g[:k], want[:k], **tol)), None)
    if k is None:
        return
    read = ""       # which size k equals is a reading of one case: the batch-size sweep asks it on N = 1, 3, 5, 9
    fail(f"{head}: images 0 .. {k - 1} are right and images {k} .. {n - 1} are all 0: the loop over the images "
         f"stops after {k} where there are N = x.shape[0] = {n}{read}", "images-left-out")


_WINDOW_AXES = ("N", "C_in", "H_out", "W_out", "KH", "KW")


def _im2col(x, wt, b, s, p, order):
    """The forward pass with the im2col matrix built as windows.transpose(order).reshape(C_in*KH*KW, N*H_out*W_out)
    (windows: (N, C_in, H_out, W_out, KH, KW)), the rest as the rule says; the rule's order is (1, 4, 5, 0, 2, 3)."""
    co, c, kh, kw = wt.shape
    windows = np.lib.stride_tricks.sliding_window_view(_padded(np.asarray(x, _float64), p), (kh, kw),
                                                       axis=(2, 3))[:, :, ::s, ::s]
    n, _, ho, wo = windows.shape[:4]
    cols = windows.transpose(order).reshape(c * kh * kw, n * ho * wo)
    out = (np.asarray(wt, _float64).reshape(co, -1) @ cols).reshape(co, n, ho, wo).transpose(1, 0, 2, 3)
    return out + np.asarray(b, _float64)[None, :, None, None]


def _conv_readings(got, x, wt, b, case, context):
    """General readings of a wrong forward output, each the rule with ONE thing changed: the im2col matrix
    built with the window axes in another order (a reshape without the transpose), the kernel's (C_in, KH, KW)
    entries read in another order than the windows', the input channels reduced to one."""
    import itertools
    _, c, _, _, co, kh, kw, s, p, dt = case
    g = np.asarray(got, _float64)
    tol = _tol(dt)
    fits = lambda v: v.shape == g.shape and core.close(g, v, **tol)
    rule = (1, 4, 5, 0, 2, 3)
    orders = sorted(itertools.permutations(range(6)), key=lambda o: (o != tuple(range(6)), sum(a != b for a, b in zip(o, rule))))
    if kh * kw * c > 1:
        for order in orders:
            if order == rule or not fits(_im2col(x, wt, b, s, p, order)):
                continue
            how = ("windows.reshape(C_in*KH*KW, N*H_out*W_out) with no transpose: a reshape reads the window "
                   "axes in their stored order (N, C_in, H_out, W_out, KH, KW), so each column mixes samples, "
                   "channels, positions and kernel offsets" if order == tuple(range(6)) else
                   f"the window axes in the order ({', '.join(_WINDOW_AXES[a] for a in order)}) before the reshape")
            fail(f"conv2d_forward ({context}): your output is exactly the rule's with the im2col matrix built from "
                 f"{how}: its rows must run over (C_in, KH, KW), the order of w.reshape(C_out, -1), and its columns "
                 f"over (N, H_out, W_out): move the axes first, windows.transpose(1, 4, 5, 0, 2, 3).reshape(C_in*KH*KW, "
                 f"N*H_out*W_out)", "im2col-axes-order")
    names = ("C_in", "KH", "KW")
    dims = dict(zip(names, (c, kh, kw)))
    for perm in itertools.permutations(range(3)):
        if perm == (0, 1, 2) or len({dims[names[a]] for a in perm}) < 1:
            continue
        said = ", ".join(names[a] for a in perm)
        for kernel, how in ((np.asarray(wt).transpose(0, *(a + 1 for a in perm)).reshape(wt.shape),
                             f"w.transpose(...) to (C_out, {said}) and then reshaped"),):
            if not core.close(kernel, wt, 0, 0) and fits(_conv(x, kernel, b, s, p)):
                fail(f"conv2d_forward ({context}): your output is exactly the rule's with the kernel entries read in "
                     f"({said}) order ({how}) while the windows are in (C_in, KH, KW) order: the kernel matrix and the "
                     f"im2col rows must list (c, u, v) in the SAME order: w.reshape(C_out, -1) as it is",
                     "kernel-axes-order")
    if c > 1:
        xs, ws = np.asarray(x, _float64), np.asarray(wt, _float64)
        for (xr, wr), how in (((xs.sum(1, keepdims=True), ws.sum(1, keepdims=True)), "x.sum(axis=1) with w.sum(axis=1)"),
                              ((xs.mean(1, keepdims=True), ws.sum(1, keepdims=True)), "x.mean(axis=1) with w.sum(axis=1)"),
                              ((xs.sum(1, keepdims=True), ws.mean(1, keepdims=True)), "x.sum(axis=1) with w.mean(axis=1)")):
            if fits(_conv(xr, wr, b, s, p)):
                fail(f"conv2d_forward ({context}): your output is exactly the convolution of the input channels "
                     f"REDUCED FIRST ({how}: one channel each): the channels are summed before the products, which "
                     f"is right for C_in = 1 only; out[n, o, i, j] = b[o] + sum over c, u, v of w[o, c, u, v] * "
                     f"xp[n, c, i*stride + u, j*stride + v]: each input channel c is multiplied by its OWN kernel "
                     f"slice w[o, c], then the products are summed", "conv-channels-reduced-first")
        for k in (0, c - 1):
            only = np.zeros_like(np.asarray(wt, _float64))
            only[:, k] = wt[:, k]
            if fits(_conv(x, only, b, s, p)):
                fail(f"conv2d_forward ({context}): your output is exactly the convolution of input channel {k} alone "
                     f"(x[:, {k}] with w[:, {k}]): the other {c - 1} input channel{'s are' if c > 2 else ' is'} never "
                     f"used; out[n, o, i, j] sums over EVERY input channel c, e.g. xp[n, :, ...] * w[o] (all of axis "
                     f"1), not xp[n, {k}] * w[o, {k}]", "conv-one-input-channel")


def _sum_scaled(got, want, b, case, context):
    """The sum over c, u, v (the output without its bias) off by a factor that is a size of the case: a mean
    where the convolution sums, or a sum counted several times."""
    n, c, _, _, co, kh, kw, *_ = case
    bias = np.asarray(b, _float64)[None, :, None, None]
    g, e = np.asarray(got, _float64) - bias, np.asarray(want, _float64) - bias
    mask = np.abs(e) > 1e-6
    if g.shape != e.shape or not bool(mask.any()):
        return
    k = float(np.median(g[mask] / e[mask]))
    if not core.close(g, k * e, *_tol(case[9]).values()):
        return
    for label, value in {"C_in*KH*KW": c * kh * kw, "KH*KW": kh * kw, "C_in": c, "KH": kh, "KW": kw}.items():
        if value > 1 and abs(k * value - 1) < 1e-6:
            fail(f"conv2d_forward ({context}): without its bias, your output is exactly the expected one divided by "
                 f"{label} = {value}: a MEAN over the products where the convolution SUMS them, out[n, o, i, j] = "
                 f"b[o] + sum over c, u, v of w[o, c, u, v] * xp[...] (.sum, not .mean)", "conv-mean-not-sum")
        if value > 1 and abs(k / value - 1) < 1e-6:
            fail(f"conv2d_forward ({context}): without its bias, your output is exactly {label} = {value} times the "
                 f"expected one: each product w[o, c, u, v] * xp[...] is counted once", "conv-sum-counted-several-times")


def _bias_term(got, want, b, case, context):
    """Name a difference that is one constant per output channel: the bias term, added a wrong number of
    times (the multiple named after a size of the case) or along the wrong axis."""
    n, c, h, w, co, kh, kw, s, p, dt = case
    g, e = np.asarray(got, _float64), np.asarray(want, _float64)
    if g.shape != e.shape or core.close(g, e, **_tol(dt)) or not np.isfinite(g).all():
        return
    diff = g - e
    per = diff.mean(axis=(0, 2, 3))
    if not core.close(diff, np.broadcast_to(per[None, :, None, None], diff.shape), **_tol(dt)):
        return
    b = np.asarray(b, _float64)
    k = float(per @ b / (b @ b))
    if not core.close(per, k * b, **_tol(dt)):
        fail(f"conv2d_forward ({context}): every output of channel o is off by the same amount, and that amount is "
             f"not a multiple of b[o]: a per-channel constant is added or missing (only b[o], once, belongs there)",
             "bias-per-channel-offset")
    times = round(k + 1, 6)
    sizes = {"KH*KW (the kernel offsets)": kh * kw, "KH": kh, "KW": kw, "C_in": c, "C_in*KH*KW": c * kh * kw,
             "N": n}
    named = next((label for label, v in sizes.items() if v == times), None)
    fail(f"conv2d_forward ({context}): the bias is added {times:g} times instead of once"
         + (f" ({times:g} = {named}): it is added inside a loop over {named.split(' (')[0]}; add b once, after the sum"
            if named else ": add b[o] once to every output of channel o, after the sum over c, u and v"),
         "bias-added-several-times")


def conv2d_forward(conv2d_forward):
    r = core.rng("lab07.conv2d_forward")
    runs = []                                    # (case, context, x, w, b, output, CheckFailure or None)
    for case in CONV_CASES:
        x, wt, b = _conv_inputs(r, case)
        context = _describe_conv(case)
        co = case[4]
        out, error = None, None
        try:
            out = _call(conv2d_forward, (x, wt, b, case[7], case[8]), "conv2d_forward", context,
                        hints={f"({co},)": BIAS_LAST, f"({co},1,1,1)": BIAS_BATCH},
                        want=lambda x=x, wt=wt, b=b, case=case: _conv(x, wt, b, case[7], case[8]))
        except core.CheckFailure as exc:
            error = exc
        runs.append((case, context, x, wt, b, out, error))
    # Shapes first, explained across every case (a mistake gives a wrong shape in a pattern).
    observed = [(case, None if error else _shape(out)) for case, _, _, _, _, out, error in runs]
    wrong = [(case, shape, context) for (case, shape), (_, context, *_rest) in zip(observed, runs)
             if shape is not None and shape != (case[0], case[4], *_out_size(case))]
    if wrong:
        case, shape, context = wrong[0]
        explained = _explain_shapes(observed, _conv_shape_candidates())
        head = f"conv2d_forward ({context}): expected shape {(case[0], case[4], *_out_size(case))}, got {shape}"
        _empty_output(wrong, observed)
        if explained and explained[1] == "padding-ignored":
            _padding_shape(head, runs)
        if explained:
            fail(f"{head}: {explained[0]}", explained[1])
        story = _shape_story([(sh, (c[0], c[4], *_out_size(c)), _dims("conv2d_forward", (x, wt, b, c[7], c[8])))
                              for (c, sh), (_, _, x, wt, b, *_r) in zip(observed, runs)], "your output",
                             "(N, C_out, H_out, W_out)")
        if story:
            fail(f"{head}: {story}", "shape-axes-named")
        _window_starts(conv2d_forward, "conv2d_forward")
    results = []
    for case, context, x, wt, b, out, error in runs:
        results.append((case, error or _attempt(lambda: _conv_forward_values(out, x, wt, b, case, context))))
    _raises_by_option(results, "conv2d_forward", CONV_OPTIONS, CONV_RULE)
    if any(e is not None for _, e in results[1:]) and results[0][1] is None:
        _w_ignored(conv2d_forward, r, runs[0], next(e for _, e in results if e is not None))
    _conv_sweep(conv2d_forward, results, forward=True)
    said = None
    try:
        _report(results, FORWARD_PATTERNS, probe=lambda case: _attempt(_forward_case(conv2d_forward, r, case)),
                square=(lambda case: _attempt(_forward_case(conv2d_forward, r, case)), CONV_SQUARE_CASES,
                        "conv2d_forward"))
    except core.CheckFailure as exc:
        _window_starts(conv2d_forward, "conv2d_forward")
        _window_sizes_shifted(exc, runs)
        _sizes_from_input(exc, runs)
        if _generic(exc) and not str(exc.diagnosis).startswith("raised"):     # which input the error comes from
            case, _context, x, wt, b = next((run[:5] for run, (_, e) in zip(runs, results) if e is exc),
                                            next(run[:5] for run, (_, e) in zip(runs, results) if e is not None))
            said = _float32_inside(conv2d_forward, "conv2d_forward", _context, (x, wt, b, case[7], case[8]),
                                   lambda x_, w_, b_, s_, p_: _conv(x_, w_, b_, s_, p_)) if case[9] == _float64 else None
            if said is None:
                case, _context, x, wt, b = next(run[:5] for run, (_, e) in zip(runs, results) if e is not None)
                _patches_gathered_elsewhere(conv2d_forward, case, _context, exc)
                _isolate(lambda x_, w_, b_: conv2d_forward(x_, w_, b_, case[7], case[8]),
                         lambda x_, w_, b_: _conv(x_, w_, b_, case[7], case[8]), {"x": x, "w": wt, "b": b}, exc,
                         case[9])
        if said is None:
            raise
    if said is not None:        # raised outside the handler: a confirmed reading, no one-change story appended
        raise said
    case, context, x, wt, b = runs[2][:5]
    _same_shapes_again(conv2d_forward, "conv2d_forward", context, (x, wt, b, case[7], case[8]),
                       (*_conv_inputs(r, case), case[7], case[8]), _conv, ("out",), {0: "x", 1: "w", 2: "b"})
    x, wt, b = _conv_inputs(r, (2, 3, 6, 7, 4, 3, 3, 1, 1, np.float64))
    _defaults(conv2d_forward, "conv2d_forward", (x, wt, b), (("stride", 1), ("pad", 0)), _conv, _same_arrays,
              "x of shape (2, 3, 6, 7), w of shape (4, 3, 3, 3)")
    _bias_additive(conv2d_forward, r)
    _conv_mixed_dtypes(conv2d_forward)
    k = core.rng("lab07.conv2d_forward.kept")
    case = CONV_CASES[2]
    _results_kept(conv2d_forward, "conv2d_forward", _describe_conv(case), (*_conv_inputs(k, case), case[7], case[8]),
                  (*_conv_inputs(k, case), case[7], case[8]), ("output",))
    _layout_free(conv2d_forward, "conv2d_forward", _describe_conv(case), (*_conv_inputs(k, case), case[7], case[8]),
                 _conv, ("output",), {0: "x", 1: "w"})
    _after_change(conv2d_forward, "conv2d_forward", _describe_conv(case), (*_conv_inputs(k, case), case[7], case[8]),
                  _conv, ("output",), {0: "x", 1: "w", 2: "b"}, k)


#: single-channel cases for _window_starts: a stride without padding, padding without a stride, both
_START_CASES = [(1, 1, 9, 10, 1, 2, 2, 2, 0), (1, 1, 7, 9, 1, 3, 3, 1, 1), (1, 1, 11, 8, 1, 3, 2, 3, 2),
                (1, 1, 8, 11, 1, 3, 2, 2, 1)]


def _start_names(start: int, s: int, p: int) -> set:
    """Ways of writing a first-window start ``start`` (in padded coordinates; 0 is right) with the case's stride and
    padding."""
    names = {"stride - 1": s - 1, "pad": p, "stride": s, "1": 1, "2*pad": 2 * p, "pad + 1": p + 1}
    return {k for k, v in names.items() if v == start}


def _window_starts(conv2d_forward, name: str) -> None:
    """Asked of a wrong forward: with one input and one output channel, x distinct whole numbers 1, 2, ... and w
    one-hot at its top-left tap (b = 0), output (i, j) of the rule is the padded input at the START of window (i, j),
    xp[i*stride, j*stride].  Read from the student's outputs where each window starts; when the windows step by the
    stride but the first one starts elsewhere than (0, 0), the same way in every case (at stride - 1, shifted by pad,
    ...), that start is named: whatever slice or loop produced it."""
    readings: dict = {"row": None, "column": None}
    first = None
    for case in _START_CASES:
        n, c, h, w_, co, kh, kw, s, p = case
        x = (np.arange(h * w_, dtype=_float64) + 1).reshape(1, 1, h, w_)
        wt = np.zeros((1, 1, kh, kw))
        wt[0, 0, 0, 0] = 1
        try:
            got = np.asarray(core.call(conv2d_forward, x, wt, np.zeros(1), s, p, name=name), dtype=_float64)
        except (core.CheckFailure, TypeError, ValueError):
            return
        if got.ndim != 4 or got.shape[:2] != (1, 1) or not np.all(np.isfinite(got)):
            return
        out = got[0, 0]
        places = {}
        for (i, j), v in np.ndenumerate(out):
            if v == 0:
                continue
            if v != round(v) or not 1 <= v <= h * w_:
                return                                # not one entry of x: not a matter of where windows start
            places[i, j] = divmod(int(v) - 1, w_)      # (row, column) of x it came from
        if len(places) < 2:
            return
        starts = {}
        for axis, k in (("row", 0), ("column", 1)):
            # position of the tap = step * index + offset, the same for every output (x coordinates)
            pairs = {(ij[k], rc[k]) for ij, rc in places.items()}
            idx = sorted({a for a, _ in pairs})
            if len(idx) < 2 or any(len({b for a2, b in pairs if a2 == a}) != 1 for a in idx):
                return
            at = {a: b for a, b in pairs}
            offset = at[idx[0]] - s * idx[0]
            if any(at[a] != s * a + offset for a in idx):
                return                                # the windows do not step by the stride: other diagnoses
            starts[axis] = offset + p                  # in padded coordinates: 0 is right
        names = {axis: _start_names(v, s, p) if v else {"0"} | {k for k in _start_names(0, s, p)}
                 for axis, v in starts.items()}
        for axis in readings:
            readings[axis] = names[axis] if readings[axis] is None else readings[axis] & names[axis]
        if first is None and any(starts.values()):
            first = (case, starts)
    if first is None or not readings["row"] or not readings["column"]:
        return
    pick = lambda names: sorted(names - {"0"}, key=len)[0] if names - {"0"} else "0"
    row, col = pick(readings["row"]), pick(readings["column"])
    (n, c, h, w_, co, kh, kw, s, p), starts = first
    said = (f"{name} (x of shape {(n, c, h, w_)}, w of shape {(co, c, kh, kw)}, stride {s}, pad {p}, w one-hot at its "
            f"top-left tap, so each output is the padded input at the start of its window): the first window starts "
            f"at row {starts['row']}, column {starts['column']} of the padded input, not at (0, 0): the windows step by "
            f"the stride but start at an offset of ({row}, {col}) in every case")
    if "stride - 1" in (row, col):
        said += ("; a window slice that starts at stride - 1 ([stride - 1::stride]) skips the first window: window "
                 "(i, j) starts at (i*stride, j*stride), the slice [:, :, ::stride, ::stride] starts at 0")
    elif "pad" in (row, col):
        said += ("; the windows are shifted by pad: the first window reads x's first pixel instead of the top-left "
                 "padding: is the padding missing on the top and left (all of it at the bottom and right), or added "
                 "again to a window start? take window (i, j) at (i*stride, j*stride) of the padded input, with no + "
                 "pad on the start (the padding is already in place), pad on each side")
    else:
        said += "; window (i, j) starts at (i*stride, j*stride) of the padded input, the first at (0, 0)"
    fail(said, "window-start-offset")


def _patches_gathered_elsewhere(conv2d_forward, case, context, exc) -> None:
    """Asked of a wrong forward whose failure names nothing: with w one-hot (a single weight 1 at (o, c, u, v), the
    rest 0) and b = 0, every output of the rule is ONE entry of the padded x, and x holds distinct whole numbers.
    When, for two one-hot places (pairwise different o, c, u, v where the sizes allow), every output of the student
    is also one entry of xp (or 0) but not the rule's, the products are right and the patches are gathered from
    other places: the im2col matrix is read in another memory order than its reshape assumes."""
    n, c, h, w_, co, kh, kw, s, p, dt = case
    x = (np.arange(n * c * h * w_, dtype=_float64) + 1).reshape(n, c, h, w_).astype(dt)
    values = set(np.asarray(x, _float64).ravel().tolist()) | {0.0}
    b = np.zeros(co, dt)
    for o, ci, u, v in ((0, 0, 0, 0), (co - 1, c - 1, kh - 1, kw - 1)):
        wt = np.zeros((co, c, kh, kw), dt)
        wt[o, ci, u, v] = 1
        try:
            got = np.asarray(core.call(conv2d_forward, x, wt, b, s, p, name="conv2d_forward"), _float64)
        except (core.CheckFailure, TypeError, ValueError):
            return
        want = _conv(x, wt, b, s, p)
        if got.shape != want.shape or np.array_equal(got, want) or not set(got.ravel().tolist()) <= values:
            return
    fail(f"conv2d_forward ({context}) has wrong values; with w one-hot (a single weight 1, every other 0) and b = 0, "
         f"each of your outputs is still exactly ONE entry of x (or a padding zero), as the rule's is, but taken from "
         f"other places: the products and sums are right and the patches are gathered in another order: the im2col "
         f"matrix's rows and columns are in another memory order than its reshape assumes (reshape(-1, C_in*KH*KW).T "
         f"where the window axes must be transposed first, or the window axes transposed in another order?); each "
         f"column of cols must hold one window, in the (C_in, KH, KW) order of w.reshape(C_out, -1)",
         "im2col-memory-order")


def _float32_inside(fn, name: str, context: str, args: tuple, oracle) -> core.CheckFailure | None:
    """Asked of every array function of the lab once a float64 case has wrong values (one more call on its inputs
    ``args``; ``oracle(*args)`` gives the right output or tuple of outputs): outputs that agree with the oracle to
    single precision only (~7 digits: largest error between 1e-9 and 2e-5 of the largest value) are told as a
    float32 step inside only when confirmed on a second input: the same call with every float64 array rounded to
    small whole numbers (exact in float32, and so are their products and sums here) is exact.  Returns the failure
    to raise (outside the caller's handler: a confirmed reading needs no one-change story) or None."""
    def outputs(a):
        try:
            got = core.call(fn, *a, name=name)
            want = oracle(*a)
            pairs = list(zip(got, want)) if isinstance(want, tuple) else [(got, want)]
            return [(np.asarray(g), np.asarray(w)) for g, w in pairs]
        except (core.CheckFailure, TypeError, ValueError, IndexError):
            return None
    first = outputs(args)
    if not first or any(g.dtype != _float64 or g.shape != w.shape or not np.isfinite(g).all() for g, w in first):
        return None
    errs = [float(np.abs(g - w).max()) / (float(np.abs(w).max()) or 1.0) if w.size else 0.0 for g, w in first]
    if not (max(errs) > 1e-9 and all(e <= 2e-5 for e in errs)):
        return None
    exact = outputs(tuple(np.round(2 * a) if isinstance(a, np.ndarray) and a.dtype == _float64 else a for a in args))
    if not exact or not all(g.shape == w.shape and core.close(g, w, 0, 1e-12) for g, w in exact):
        return None
    return core.CheckFailure(
        f"{name} ({context}) has wrong values: your float64 result agrees with the right one to about 7 significant "
        f"digits only (largest error {max(errs):.2g} of the largest value), and it is exact when the same call gets "
        f"small whole numbers (exact in float32): values pass through float32 somewhere (an .astype(np.float32), a "
        f"float32 buffer such as np.zeros(..., dtype=np.float32), a np.float32 constant); keep the dtype of the "
        f"inputs at every step", "precision-float32-inside")


def _conv_sweep(fn, results, forward: bool) -> None:
    """The batch-size sweep (_batch_sweep) on the geometry of the first failing case: x, w and b drawn anew for
    N = 1, 3, 5, 9; the forward's output and the backward's dx are per image."""
    case = next((c for c, e in results if e is not None), None)
    if case is None:
        return
    first = next(e for c, e in results if e is not None)
    if forward and first.diagnosis == "images-left-out":
        _loop_bound_axis(fn, case, first)
    k = core.rng("lab07.batch_sweep")
    name = "conv2d_forward" if forward else "conv2d_backward"
    _n, c, h, w, co, kh, kw, s, p, dt = case
    head = f"{name} (w of shape {(co, c, kh, kw)}, images {c} x {h} x {w}, stride {s}, pad {p})"

    def run(n):
        x, wt, b = _conv_inputs(k, (n, *case[1:]))
        if forward:
            got = core.call(fn, x, wt, b, s, p, name=name)
            return [got], [_conv(x, wt, b, s, p)]
        dout = k.normal(0, 1, (n, co, *_out_size(case))).astype(dt)
        got = core.call(fn, dout, x, wt, s, p, name=name)
        try:
            dx = tuple(got)[0]
        except TypeError:
            return None
        return [dx], [_conv_grads(dout, x, wt, s, p)[0]]
    _batch_sweep(run, head)


def _loop_bound_axis(conv2d_forward, case, exc) -> None:
    """The first k images right and the later ones 0, where k equals another size of the inputs: asked again with
    9 images and that size changed to k + 1 (every other size kept); a result whose first k + 1 images are right
    and the later ones 0 confirms the loop bound is that size."""
    m = re.search(r"images 0 \.\. (\d+) are right", str(exc))
    if not m:
        return
    k = int(m.group(1)) + 1
    n, c, h, w, co, kh, kw, s, p, dt = case
    r = core.rng("lab07.loop_bound")
    for index, label in ((1, "C_in = x.shape[1]"), (2, "H = x.shape[2]"), (3, "W = x.shape[3]"),
                         (4, "C_out = w.shape[0]"), (5, "KH = w.shape[2]"), (6, "KW = w.shape[3]")):
        if case[index] != k:
            continue
        other = list(case)
        other[0], other[index] = 9, k + 1
        other = tuple(other)
        if min(_out_size(other)) < 1:
            continue
        x, wt, b = _conv_inputs(r, other)
        try:
            got = np.asarray(core.call(conv2d_forward, x, wt, b, s, p, name="conv2d_forward"), _float64)
        except (core.CheckFailure, TypeError, ValueError):
            continue
        want = _conv(x, wt, b, s, p)
        if got.shape == want.shape and core.close(got[:k + 1], want[:k + 1], 1e-6, 1e-9) and not got[k + 1:].any():
            fail(f"{exc}: with 9 images and {label.split(' =')[0]} = {k + 1} (every other size kept) the first {k + 1} "
                 f"images are right: the loop over the images runs over {label}: the batch size read from another "
                 f"axis; N = x.shape[0]", "images-loop-bound-axis")


def _pool_sweep(fn, results, forward: bool) -> None:
    """The batch-size sweep (_batch_sweep) on the geometry of the first failing pooling case."""
    case = next((c for c, e in results if e is not None), None)
    if case is None:
        return
    k = core.rng("lab07.batch_sweep")
    name = "maxpool2d_forward" if forward else "maxpool2d_backward"
    _n, c, h, w, size, s, dt = case
    head = f"{name} (images {c} x {h} x {w}, size {size}, stride {s})"

    def run(n):
        x = _distinct(k, (n, c, h, w), dt)
        if forward:
            return [core.call(fn, x, size, s, name=name)], [_pool(x, size, s)]
        dout = k.normal(0, 1, _pool(x, size, s).shape).astype(dt)
        return [core.call(fn, dout, x, size, s, name=name)], [_pool_grad(dout, x, size, s)]
    _batch_sweep(run, head)


def _conv_mixed_dtypes(conv2d_forward) -> None:
    """out has the dtype of x (the docstring), also when w and b come in another dtype: x float64 with float32
    kernels (a float32 layer fed a float64 batch). numpy's own promotion gives float64 there; a cast to w's or b's
    dtype does not."""
    r = core.rng("lab07.conv2d_forward.mixed")
    case = (2, 3, 7, 6, 4, 3, 2, 1, 1, np.float64)
    x, wt, b = _conv_inputs(r, case)
    wt32, b32 = wt.astype(np.float32), b.astype(np.float32)
    context = f"{_describe_conv(case)}, x in float64, w and b in float32"
    got = _call(conv2d_forward, (x, wt32, b32, 1, 1), "conv2d_forward", context)
    got = expect_array(got, name=f"conv2d_forward ({context})", shape=(2, 4, *_out_size(case)), dtype=None)
    if got.dtype != x.dtype:
        took = ("that of w and b" if got.dtype == wt32.dtype else "neither that of x nor that of w and b")
        fail(f"conv2d_forward ({context}) returned out in {got.dtype}: out has the dtype of x ({x.dtype}), as the "
             f"docstring says, whatever the dtype of w and b: it takes {took} (an .astype(w.dtype), or a buffer "
             f"created with w's dtype?); keep x's dtype (.astype(x.dtype), or let numpy promote)", "conv-dtype-of-w")
    expect_close(got, _conv(x, wt32.astype(_float64), b32.astype(_float64), 1, 1),
                 name=f"conv2d_forward ({context})", **_tol(np.float32))


def _conv_backward_mixed_dtypes(conv2d_backward) -> None:
    """dx has the dtype of x (the docstring), also when w comes in another dtype: x and dout float64 with float32
    kernels. Only dx's dtype is asked here (a buffer made with w's dtype gives float32); the values of all three."""
    r = core.rng("lab07.conv2d_backward.mixed")
    case = (2, 3, 7, 6, 4, 3, 2, 1, 1, np.float64)
    x, wt, _b = _conv_inputs(r, case)
    wt32 = wt.astype(np.float32)
    dout = r.normal(0, 1, (case[0], case[4], *_out_size(case)))
    context = f"{_describe_conv(case)}, x and dout in float64, w in float32"
    got = _unpack(_call(conv2d_backward, (dout, x, wt32, 1, 1), "conv2d_backward", context), 3, "conv2d_backward",
                  "(dx, dw, db)")
    want = _conv_grads(dout, x, wt32.astype(_float64), 1, 1)
    dx = expect_array(got[0], name=f"conv2d_backward dx ({context})", shape=x.shape, dtype=None)
    if dx.dtype != x.dtype:
        took = "that of w" if dx.dtype == wt32.dtype else "neither that of x nor that of w"
        fail(f"conv2d_backward ({context}) returned dx in {dx.dtype}: dx has the dtype of x ({x.dtype}), as the "
             f"docstring says, whatever the dtype of w: it takes {took} (a buffer created with w's dtype, "
             f"np.zeros(..., dtype=w.dtype), or an .astype(w.dtype)?); create it from x (np.zeros_like(x) or "
             f"np.zeros(xp.shape, x.dtype))", "conv-dx-dtype-of-w")
    for value, ref, label in zip(got, want, ("dx", "dw", "db")):
        expect_close(np.asarray(value, _float64), ref, name=f"conv2d_backward {label} ({context})", **_tol(np.float32))


def _bias_additive(conv2d_forward, r) -> None:
    """The bias is a property of the specification: out(b) - out(b = 0) is b[o] at every position of channel o,
    whatever b is.  Asked with a bias whose entries sum to 0 (and are not all 0), so that code which adds the bias
    only for some values of b (a test on b.sum(), b.mean() or the like) is seen."""
    case = (3, 2, 7, 9, 5, 3, 3, 1, 1, np.float64)
    x, wt, _ = _conv_inputs(r, case)
    b = np.array([0.75, -0.75, 1.5, -1.5, 0.0])          # exactly summing to 0 in every order of addition
    context = f"{_describe_conv(case)}, b = {b.tolist()} (its entries sum to 0)"
    got = _call(conv2d_forward, (x, wt, b, 1, 1), "conv2d_forward", context)
    want = _conv(x, wt, b, 1, 1)
    got = _expect(got, f"conv2d_forward ({context})", want.shape, np.float64, want=want)
    if core.close(got, want, 1e-6, 1e-8):
        return
    zero = _conv(x, wt, np.zeros(5), 1, 1)
    shift = np.asarray(got, _float64) - zero
    if core.close(shift, 0 * zero, 0, 1e-8):
        fail(f"conv2d_forward ({context}): out(b) - out(b = 0) must be b[o] at every position of output channel o; "
             f"yours is 0 everywhere: the bias is not added for this b, while it is for the other calls' biases: "
             f"the bias must be added whatever its values (no test on b such as `if b.sum() != 0` or "
             f"`if b.mean()`: a bias can sum to 0 without being 0)", "bias-skipped-for-some-b")
    expect_close(got, want, name=f"conv2d_forward ({context})", rtol=1e-6, atol=1e-8)


def _window_sizes_shifted(exc, runs) -> None:
    """Reshape errors whose asked-for size is N * H_out * W_out computed from the window view's shape
    (N, C_in, H_out, W_out, KH, KW) read one or two axes late (windows.shape[1:5] where [:4] belongs), the same
    shift in every case that raised: the sizes were unpacked from the wrong slice of the shape."""
    shifts = None
    for case, _context, *_rest, error in runs:
        if error is None:
            continue
        found = re.search(r"cannot reshape array of size \d+ into shape \(([\d, ]+)\)", str(error))
        if not found:
            return          # "the same in every case that raises" cannot be said: another error raised too
        asked = {int(v) for v in re.findall(r"\d+", found.group(1))}
        ws = (case[0], case[1], *_out_size(case), case[5], case[6])
        fits = {a for a in (1, 2) if ws[a] * ws[a + 2] * ws[a + 3] in asked and
                ws[a] * ws[a + 2] * ws[a + 3] != ws[0] * ws[2] * ws[3]}
        shifts = fits if shifts is None else shifts & fits
    if not shifts or len(shifts) != 1:
        return
    a = shifts.pop()
    case, context = next((case, context) for case, context, *_r, error in runs if error is not None)
    ws = (case[0], case[1], *_out_size(case), case[5], case[6])
    names = ("N", "C_in", "H_out", "W_out", "KH", "KW")
    fail(f"{_raised_head(str(exc))}: the size asked for, {ws[a] * ws[a + 2] * ws[a + 3]} = {ws[a]} * {ws[a + 2]} * "
         f"{ws[a + 3]}, is {names[a]} * {names[a + 2]} * {names[a + 3]} where N * H_out * W_out = {ws[0]} * {ws[2]} * "
         f"{ws[3]} belongs (the same in every case that raises): the sizes were unpacked from the window view's "
         f"shape (N, C_in, H_out, W_out, KH, KW) {a} ax{'is' if a == 1 else 'es'} late, windows.shape[{a}:{a + 4}] "
         f"where N, _, H_out, W_out = windows.shape[:4] belongs; the mistake is in that unpacking, above the line "
         f"that raised", "window-shape-unpacked-late")


def _sizes_from_input(exc, runs) -> None:
    """Reshape errors that ask, in every case that raised, for the INPUT's spatial size (N*H*W, or H and W side by
    side) where the output's belongs (N*H_out*W_out, H_out and W_out), while every case whose output has the input's
    size passed: H_out and W_out were taken from x.shape (right only for a 'same' convolution).  At least two
    raising cases with different sizes."""
    raising, sizes = 0, set()
    for case, _context, *_rest, error in runs:
        n, _c, h, w = case[:4]
        ho, wo = _out_size(case)
        if error is None:
            continue
        if (ho, wo) == (h, w):
            return
        found = re.search(r"cannot reshape array of size \d+ into shape \(([\d, ]+)\)", str(error))
        if not found:
            return
        asked = [int(v) for v in re.findall(r"\d+", found.group(1))]
        pairs = set(zip(asked, asked[1:]))
        if not (n * h * w in asked or (h, w) in pairs) or n * ho * wo in asked or (ho, wo) in pairs:
            return
        raising += 1
        sizes.add((h, w))
    if raising < 2 or len(sizes) < 2:
        return
    same = any(error is None and tuple(_out_size(c)) == tuple(c[2:4]) for c, *_r, error in runs)
    case = next(case for case, *_r, error in runs if error is not None)
    n, _c, h, w = case[:4]
    ho, wo = _out_size(case)
    fail(f"{_raised_head(str(exc))}: the shape asked for is built from the INPUT's size, H = {h} and W = {w} "
         f"(N*H*W = {n * h * w}), where the output's belongs, H_out = {ho} and W_out = {wo} (N*H_out*W_out = "
         f"{n * ho * wo}), and so in every case that raises (the output size taken from the input size)"
         + (", while the cases whose output is as large as the input (a 'same' convolution) pass" if same else "")
         + ": the output size was taken from x.shape; H_out = (H + 2*pad - KH) // stride "
         "+ 1 and W_out alike (or read them from the windows' shape)", "output-size-from-input")


def _w_ignored(conv2d_forward, r, run, exc) -> None:
    """A later call failed and the first one was right: the first call again with another w of the same shape.
    The same output as before means the result ignores the w it is given (a kernel matrix kept between calls)."""
    case, context, x, wt, b, out = run[:6]
    w2 = _conv_inputs(r, case)[1]
    try:
        again = np.asarray(_call(conv2d_forward, (x, w2, b, case[7], case[8]), "conv2d_forward", context), _float64)
    except core.CheckFailure:
        return
    first = np.asarray(out, _float64)
    if again.shape == first.shape and core.close(again, first, 0, 0) and \
            not core.close(_conv(x, w2, b, case[7], case[8]), first, **_tol(case[9])):
        fail(f"{exc}; conv2d_forward ({context}) was right once, and called again with another w of the same shape "
             f"(x, b, stride and pad unchanged) it returns exactly the same output: the result ignores the w it is "
             f"given from the second call on (a kernel matrix or a result kept from an earlier call, in a "
             f"module-level variable or a default argument?): compute everything from each call's arguments",
             "w-ignored-after-first-call")


def _padding_shape(head, runs) -> None:
    """Every output has the size of an unpadded convolution: the values tell whether the padding is ignored
    (the convolution of x itself) or the input is padded and only the output size leaves pad out (the
    top-left corner of the right output)."""
    for case, _context, x, wt, b, out, error in runs:
        if error is not None or case[8] == 0:
            continue
        got = np.asarray(out, dtype=_float64)
        unpadded = _conv(x, wt, b, case[7], 0)
        if got.shape == unpadded.shape and core.close(got, unpadded, **_tol(case[9])):
            fail(f"{head}: the padding is ignored (your output is the convolution of x without padding): pad the "
                 f"input with `pad` zeros on every side of H and W first", "padding-ignored")
        corner = _conv(x, wt, b, case[7], case[8])[:, :, :got.shape[2], :got.shape[3]]
        if got.shape == corner.shape and core.close(got, corner, **_tol(case[9])):
            fail(f"{head}: the input is padded but H_out and W_out leave the padding out: your output is the "
                 f"top-left {got.shape[2]} x {got.shape[3]} corner of the right one; H_out = (H + 2*pad - KH) // "
                 f"stride + 1 (and W_out alike)", "size-without-padding")
        break
    fail(f"{head}: your output has the size of a convolution without padding in every case (H_out = "
         f"(H - KH) // stride + 1) where (H + 2*pad - KH) // stride + 1 belongs", "size-without-padding")


def _same_arrays(got, want) -> bool:
    """got (an array or a tuple of arrays) equals want in float64 to 1e-6, shapes included."""
    gots, wants = (list(got), list(want)) if isinstance(want, tuple) else ([got], [want])
    if len(gots) != len(wants):
        return False
    return all(_shape(g) == w.shape and core.close(np.asarray(g, _float64), w, 1e-6, 1e-8) for g, w in zip(gots, wants))


def _empty_output(wrong, observed) -> None:
    """An output with an axis of size 0 where a positive size belongs: a slice came out empty. When that happens
    exactly in the calls with pad = 0 (and the calls with pad > 0 have the right shape), the slice is pad:-pad,
    which is 0:0 at pad = 0."""
    empty = [(c, sh, ctx) for c, sh, ctx in wrong if 0 in sh]
    if not empty:
        return
    case, shape, context = empty[0]
    right = [c for c, sh in observed if sh == (c[0], c[4], *_out_size(c))]
    axes = [name for name, n in zip(("N", "C_out", "H_out", "W_out"), shape) if n == 0]
    at_zero = all(c[8] == 0 for c, _, _ in empty) and any(c[8] > 0 for c in right) and \
        not any(c[8] == 0 for c in right)
    fail(f"conv2d_forward ({context}): expected shape {(case[0], case[4], *_out_size(case))}, got {shape}: the "
         f"{' and '.join(axes)} axis has size 0, a slice came out EMPTY"
         + (": it happens in every call with pad = 0 and in none with pad > 0: a slice a:-pad is a:-0 = a:0 when "
            "pad = 0 (-0 is 0, not the end of the axis); slice with pad:pad + H (or pad only the spatial axes, "
            "np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))), and slice nothing back)" if at_zero else
            ": a slice whose end comes before its start (an end computed as a negative number, or from another "
            "size?)"), "empty-slice-pad-zero" if at_zero else "empty-slice")


def _forward_case(conv2d_forward, r, case):
    x, wt, b = _conv_inputs(r, case)
    context = _describe_conv(case)

    def run():
        out = _call(conv2d_forward, (x, wt, b, case[7], case[8]), "conv2d_forward", context)
        _conv_forward_values(out, x, wt, b, case, context)
    return run


# ---------------------------------------------------------------------------------------------
# Convolution backward
# ---------------------------------------------------------------------------------------------

OVERLAP = ("dx is right where the windows do not overlap (stride >= kernel size) and wrong where "
           "they do: every window that covers a pixel adds its contribution to dx (+= in col2im, or "
           "np.add.at); overwriting with = (or a fancy-index +=, which drops repeated indices) "
           "keeps only one of them")
STRIDE_BACKWARD = ("dx is right for stride 1 and wrong for larger strides: the stride is ignored "
                   "in the backward pass; window (i, j) starts at (i*stride, j*stride) of the "
                   "padded input, so col2im must step by the stride")
PAD_BACKWARD = ("right without padding and wrong with pad > 0: in the backward pass pad x exactly as in the "
                "forward pass (the spatial axes only), take the windows of dw on the padded input xp, compute "
                "dx of xp and crop the padding off, dxp[:, :, pad:pad + H, pad:pad + W]")

PAD_ZERO = ("right with padding and wrong without (pad = 0): code that treats pad == 0 specially (if pad == 0: ... "
            "or a crop such as [pad:-pad]) breaks there; when nothing is padded, xp must still be a separate array "
            "equal to x, and every buffer a fresh one (np.zeros_like), not x or xp itself", "pad-zero-only-fails")

BACKWARD_PATTERNS = [
    (_overlapping, OVERLAP, "overlap-overwritten"),
    (lambda c: c[7] > 1, STRIDE_BACKWARD, "stride-ignored-backward"),
    (lambda c: c[8] > 0, PAD_BACKWARD, "padding-only-fails"),
    (lambda c: c[8] == 0, *PAD_ZERO),
    (lambda c: c[5] != c[6], "right for square kernels only: KH runs along H and KW along W", "square-kernel-only"),
    (lambda c: np.dtype(c[9]) == np.float32, "right in float64 and wrong in float32: compute in the dtype of x "
                                              "(or in float64 and cast the results back)", "float32-only-fails"),
]


def _which_output(text: str) -> str | None:
    """Which of dx, dw, db a backward failure is about (the first one its message names), or None."""
    m = re.search(r"\b(dx|dw|db)\b", text)
    return m.group(1) if m else None


def _backward_patterns(array: str | None) -> list:
    """BACKWARD_PATTERNS said about the array that failed: the overlap and stride sentences describe dx's
    col2im; when dw or db is the wrong one they would send the student to the wrong line."""
    if array in (None, "dx"):
        return BACKWARD_PATTERNS
    stride = (f"{array} is right for stride 1 and wrong for larger strides (dx may be right): the stride is ignored "
              f"where {array} is computed; the window of output position (i, j) starts at (i*stride, j*stride) of "
              f"the padded input, so the patch of xp paired with dout[:, :, i, j] must start there too")
    out = []
    for predicate, sentence, diagnosis in BACKWARD_PATTERNS:
        if diagnosis == "overlap-overwritten":
            continue
        if diagnosis == "stride-ignored-backward":
            sentence, diagnosis = stride, f"stride-ignored-{array}"
        out.append((predicate, sentence, diagnosis))
    return out


def _check_dx(got, want, x, wt, dout, case, context, sizes=None):
    """Raises for a recognised mistake, or with the generic analysis of the difference."""
    n, c, h, w, co, kh, kw, s, p, dt = case
    tol = _tol(dt)
    shape = _shape(got)
    hp, wp = h + 2 * p, w + 2 * p
    if shape == (n, c, hp, wp) and p:
        fail(f"conv2d_backward ({context}): dx has shape {shape}, the shape of the PADDED input: "
             f"the padding was not removed; crop it (dx_padded[:, :, pad:pad + H, pad:pad + W])", "dx-padding-kept")
    if shape is not None and len(shape) == 4 and 0 in shape and p == 0:
        fail(f"conv2d_backward ({context}): dx has shape {shape}: with pad = 0, "
             f"dx_padded[:, :, pad:-pad] selects nothing; crop with pad:pad + H instead", "dx-crop-empty")
    if shape == (n, c, h - p, w - p) and p:
        fail(f"conv2d_backward ({context}): dx has shape {shape}: the padded gradient was cropped with "
             f"pad:H, which drops the last `pad` rows of the image; the input occupies rows pad .. pad + H - 1, "
             f"crop with dx_padded[:, :, pad:pad + H, pad:pad + W]", "dx-crop-short")
    if shape == (co, c, kh, kw) and (co, c, kh, kw) != x.shape:
        fail(f"conv2d_backward ({context}): the first value returned has the shape of w: "
             f"return (dx, dw, db) in this order", "wrong-return-order")
    got = _expect(got, f"conv2d_backward dx ({context})", x.shape, dt, ("N", "C_in", "H", "W"))
    if core.close(got, want, **tol):
        return
    one_axis = ("dx: the kernel is flipped along one axis only: the full convolution for dx rotates it by 180 "
                "degrees, flipping BOTH KH and KW (w[:, :, ::-1, ::-1])")
    diagnoses = [
        ("dx: the kernel must be flipped (rotated by 180 degrees) when dx is computed as a full "
         "convolution of dout, or was flipped when dx is scattered back window by window (col2im)",
         lambda: _conv_grads(dout, x, wt[:, :, ::-1, ::-1], s, p)[0], "dx-kernel-flip"),
        (one_axis, lambda: _conv_grads(dout, x, wt[:, :, ::-1, :], s, p)[0], "dx-kernel-flipped-one-axis"),
        (one_axis, lambda: _conv_grads(dout, x, wt[:, :, :, ::-1], s, p)[0], "dx-kernel-flipped-one-axis"),
        ("dx: the kernel matrix was reshaped to (C_in*KH*KW, C_out) instead of transposed: the gradient "
         "of the columns is w.reshape(C_out, -1).T @ dout_matrix",
         lambda: _conv_grads(dout, x, wt.reshape(-1, co).T.reshape(wt.shape), s, p)[0], "dx-kernel-reshaped"),
        ("dx is divided by N: the 1/N of the mean lives in the loss backward only", lambda: want / n,
         "dx-divided-by-n"),
        ("dx: the kernel's rows and columns are swapped where dx is accumulated (u and v, e.g. 'ncvu' in an einsum "
         "or w[o, c].T): window entry (u, v) of input channel c gets dout * w[o, c, u, v], u along H, v along W",
         lambda: _conv_grads(dout, x, wt.transpose(0, 1, 3, 2), s, p)[0] if kh == kw else want, "dx-kernel-uv-swapped"),
        ("dx is the same in every input channel: it uses the kernel summed over the input channels "
         "(w[o].sum(axis=0), or a sum over c before the product); input channel c gets dout * w[o, c], its own slice",
         lambda: _conv_grads(dout, x, np.broadcast_to(wt.sum(axis=1, keepdims=True), wt.shape), s, p)[0],
         "dx-kernel-summed-over-channels"),
        ("dx is the same for every image of the batch: it is computed from dout summed over the batch; image n's "
         "dx uses its own dout[n] only (dx[n] += dout[n, o, i, j] * w[o] per window)",
         lambda: np.broadcast_to(_conv_grads(dout.sum(0, keepdims=True), x[:1], wt, s, p)[0], x.shape),
         "dx-dout-summed-over-batch"),
    ]
    if s > 1:
        diagnoses.append((STRIDE_BACKWARD, lambda: _conv_grads(dout, x, wt, s, p, place=1)[0],
                          "stride-ignored-backward"))
    for o, which in ((co - 1, "the LAST"), (0, "the first")):
        only = np.zeros_like(np.asarray(dout, _float64))
        only[:, o] = np.asarray(dout, _float64)[:, o]
        diagnoses.append((f"dx is exactly the gradient that {which} output channel alone gives (o = {o}, dout[:, o] "
                          f"* w[o]): the other output channels add nothing to dx; the dx update runs outside the loop "
                          f"over the output channels, with o {'left at its last value' if o else 'fixed at 0'} (a "
                          f"line indented one level too little?); dx sums dout[:, o] * w[o] over EVERY output "
                          f"channel o",
                          lambda only=only: _conv_grads(only, x, wt, s, p)[0], "dx-one-output-channel"))
    diagnoses.append(("dx is what col2im gives from a column gradient computed TRANSPOSED and then reshaped: "
                      "dout_matrix.T @ w_matrix has shape (N*H_out*W_out, C_in*KH*KW), and reshaping it to (C_in, KH, "
                      "KW, N, H_out, W_out) does not move its axes, so the values land in the wrong places; the column "
                      "gradient is w.reshape(C_out, -1).T @ dout_matrix, (C_in*KH*KW, N*H_out*W_out)",
                      lambda: _col2im_transposed(dout, wt, case), "dx-column-gradient-transposed"))
    # The column gradient's output positions in the wrong order: laid out (..., W_out, H_out) and then transposed,
    # or transposed and then reshaped; dw (computed from dout itself) can be right.  Only where H_out != W_out: on a
    # square output both are a plain (i, j) -> (j, i) swap, which an index loop reading dout[:, :, j, i] gives too.
    positions = ("dx: col2im received the column gradient with its output positions in the wrong order: {how}; "
                 "column k of the column gradient belongs to output position (n, i, j) with k = (n * H_out + i) * "
                 "W_out + j (row after row, as dout is laid out): reshape it straight to (C_in, KH, KW, N, H_out, "
                 "W_out), no transpose of the two position axes")
    ho, wo = _out_size(case)
    diagnoses.append((positions.format(how="they were reshaped to (..., W_out, H_out) and then the two position axes "
                                           "transposed (a reshape does not swap axes: it re-cuts the memory, so the "
                                           "values land in other positions, even when H_out == W_out)"),
                      lambda: _conv_grads(dout.reshape(n, co, wo, ho).transpose(0, 1, 3, 2), x, wt, s, p)[0]
                      if ho != wo else want + np.nan, "dx-positions-reshaped-swapped"))
    diagnoses.append((positions.format(how="the two position axes were transposed and then reshaped back to "
                                           "(..., H_out, W_out), which re-cuts the memory in (j, i) order"),
                      lambda: _conv_grads(np.ascontiguousarray(np.asarray(dout).transpose(0, 1, 3, 2)).reshape(
                          dout.shape), x, wt, s, p)[0] if ho != wo else want + np.nan, "dx-positions-transposed-reshaped"))
    diagnoses.append(("dx: dout was flipped spatially (dout[:, :, ::-1, ::-1], output position (i, j) read as "
                      "(H_out-1-i, W_out-1-j)): the 180-degree rotation of the 'backward is a full convolution' rule "
                      "is the KERNEL's (w[:, :, ::-1, ::-1]), never dout's; scattered back window by window, "
                      "dout[:, :, i, j] goes to the window starting at (i*stride, j*stride) with nothing flipped",
                      lambda: _conv_grads(np.ascontiguousarray(dout[:, :, ::-1, ::-1]), x, wt, s, p)[0]
                      if ho * wo > 1 else want + np.nan, "dout-flipped"))
    for message, value, diagnosis in diagnoses:
        if core.close(got, value(), **tol):
            fail(f"conv2d_backward ({context}): {message}", diagnosis)
    _kernel_reversed(got, want, dout, x, wt, s, p, context, tol)
    _offsets_skipped(got, want, dout, x, wt, s, p, context, tol)
    mixed = _layout_mixup(got, want, ("N", "C_in", "H", "W"), tol)
    if mixed:
        fail(f"conv2d_backward ({context}): dx: {mixed[0]}", mixed[1])
    _constant_along(got, want, context, tol)
    _index_readings(got, want, f"conv2d_backward ({context}): dx", ("image n", "input channel c", "row", "column"), tol,
                    _frozen_inputs(dout, x, wt, s, p, 0))
    named = _name_factor(got, want, sizes or {})
    if named:
        fail(f"conv2d_backward dx ({context}): {named}", "scaled-by-size")
    analysis, diagnosis = core.analyse_difference(got, want, tol["rtol"], tol["atol"])
    raise core.differs(got, want, f"conv2d_backward ({context}): dx has wrong values: {analysis}", diagnosis,
                       name=f"conv2d_backward ({context}): dx", rtol=tol["rtol"], atol=tol["atol"])


def _kernel_reversed(got, want, dout, x, wt, s, p, context, tol) -> None:
    """dx read against the kernel reversed along any set of its axes that includes a channel axis (the spatial-only
    flips are catalogued above): a flip or a rotation without axes= (np.rot90(w, 2) turns axes 0 and 1, the
    channel axes; np.flip(w) reverses all four) reverses the channels too."""
    names = ("C_out", "C_in", "KH", "KW")
    for axes in itertools.product((False, True), repeat=4):
        if not (axes[0] or axes[1]):
            continue
        index = tuple(slice(None, None, -1) if a else slice(None) for a in axes)
        value = _conv_grads(dout, x, np.asarray(wt)[index], s, p)[0]
        if core.close(value, want, **tol) or not core.close(got, value, **tol):
            continue                    # degenerate (a channel axis of length 1) or not this reading
        reversed_ = [n for n, a in zip(names, axes) if a]
        spatial = axes[2:]
        said = ("" if spatial == (False, False) else
                "; and its spatial flip is the opposite of what your formulation needs (flip KH and KW for dx as a "
                "full convolution of dout, no flip when dx is scattered back window by window)" if all(spatial) else
                "; and it is flipped along one spatial axis only (a 180-degree rotation flips both KH and KW)")
        fail(f"conv2d_backward ({context}): dx: your dx is exactly what the kernel reversed along "
             f"{' and '.join(reversed_)} gives: the CHANNEL axes of w are reversed (w[o, c] taken from "
             f"{'w[C_out - 1 - o' if axes[0] else 'w[o'}, {'C_in - 1 - c]' if axes[1] else 'c]'}): a rotation or flip "
             f"without axes= turns the first axes of a 4-d array (np.rot90(w, 2) rotates axes 0 and 1, the channel "
             f"axes; np.flip(w) reverses all four); the 180-degree rotation for dx is over the spatial axes only, "
             f"np.rot90(w, 2, axes=(2, 3)) or w[:, :, ::-1, ::-1]{said}", "dx-kernel-channels-reversed")


def _offsets_skipped(got, want, dout, x, wt, s, p, context, tol) -> None:
    """dx read as the sum of the contributions of SOME kernel offsets (u, v) only: every offset of the kernel adds
    dout * w[:, :, u, v] to the pixels it covers, so a loop over the offsets that skips some (a range stepped by
    the stride, or ended early) leaves their contributions out.  Fitted: each offset's own dx (the kernel with
    that offset alone kept), weights 0 or 1 that reproduce yours exactly."""
    wt = np.asarray(wt, _float64)
    kh, kw = wt.shape[2:]
    if kh * kw < 2 or kh * kw > 49:
        return
    parts = []
    for u in range(kh):
        for v in range(kw):
            alone = np.zeros_like(wt)
            alone[:, :, u, v] = wt[:, :, u, v]
            parts.append(_conv_grads(dout, x, alone, s, p)[0].ravel())
    g = np.asarray(got, _float64).ravel()
    if not np.all(np.isfinite(g)):
        return
    a = np.stack(parts, axis=1)
    coef = np.linalg.lstsq(a, g, rcond=None)[0]
    kept = np.round(coef)
    if not np.allclose(coef, kept, atol=1e-6) or not set(kept.tolist()) <= {0.0, 1.0} or kept.all() or \
            not kept.any() or not core.close(np.asarray(got, _float64), (a @ kept).reshape(np.shape(got)), **tol):
        return
    reach = np.abs(a) > 0                   # the pixels of dx each offset reaches
    if np.all(reach[:, kept == 0].any(axis=1) <= reach[:, kept == 1].any(axis=1)):
        return      # every pixel a left-out offset reaches is reached by a kept one too: overwriting reads the same
    skipped = [(int(i) // kw, int(i) % kw) for i in np.flatnonzero(kept == 0)]
    rows = sorted({u for u, _ in skipped})
    cols = sorted({v for _, v in skipped})
    stepped = s > 1 and all(u % s or v % s for u, v in skipped) and \
        all(not (u % s or v % s) for u, v in itertools.product(range(kh), range(kw)) if (u, v) not in skipped)
    fail(f"conv2d_backward ({context}): dx: your dx is exactly the sum of the contributions of some kernel offsets "
         f"only: the offsets (u, v) = {', '.join(map(str, skipped))} (rows u {rows}, columns v {cols} of the "
         f"{kh}x{kw} kernel) add nothing to dx: your loop over the kernel offsets skips offsets"
         + (" (it steps by the stride, range(0, KH, stride): the stride moves the WINDOWS, i.e. the output "
            "positions; inside a window every offset u in range(KH), v in range(KW) contributes)" if stepped else "")
         + "; every offset adds dout * w[:, :, u, v] to the pixels it covers, dx_padded[:, :, u + i*stride, "
           "v + j*stride]", "dx-kernel-offsets-skipped")


def _col2im_transposed(dout, wt, case):
    """dx from the column gradient (N*H_out*W_out, C_in*KH*KW) (the transpose of the rule's) reshaped, not
    transposed, to (C_in, KH, KW, N, H_out, W_out), then scattered back as col2im does."""
    n, c, h, w, co, kh, kw, s, p, _dt = case
    d = np.asarray(dout, _float64)
    ho, wo = d.shape[2:]
    g = d.transpose(1, 0, 2, 3).reshape(co, -1)
    dcols = (g.T @ np.asarray(wt, _float64).reshape(co, -1)).reshape(c, kh, kw, n, ho, wo)
    dxp = np.zeros((c, n, h + 2 * p, w + 2 * p))
    for u in range(kh):
        for v in range(kw):
            dxp[:, :, u:u + s * ho:s, v:v + s * wo:s] += dcols[:, u, v]
    return dxp[:, :, p:p + h, p:p + w].transpose(1, 0, 2, 3)


def _frozen_inputs(dout, x, wt, s, p, k):
    """Gradient k (0: dx, 1: dw) of the oracle with ONE index of one input lost (frozen at 0, or summed): what a
    code that dropped that index computes, whatever the code."""
    def freeze(a, axis):
        return np.broadcast_to(np.take(a, [0], axis=axis), a.shape)

    def total(a, axis):
        return np.broadcast_to(a.sum(axis=axis, keepdims=True), a.shape)
    out = [("the kernel of output channel 0, w[0], is used for every output channel o (an index o lost where w is "
            "read)", lambda: _conv_grads(dout, x, freeze(wt, 0), s, p)[k]),
           ("the kernel slice of input channel 0, w[o, 0], is used for every input channel c (an index c lost where w "
            "is read)", lambda: _conv_grads(dout, x, freeze(wt, 1), s, p)[k]),
           ("dout of output channel 0, dout[:, 0], is used for every output channel o (an index o lost where dout is "
            "read)", lambda: _conv_grads(freeze(dout, 1), x, wt, s, p)[k]),
           ("dout summed over the output channels is used for every output channel o (a sum over o taken before "
            "the product)", lambda: _conv_grads(total(dout, 1), x, wt, s, p)[k]),
           ("dout of image 0, dout[0], is used for every image n (an index n lost where dout is read)",
            lambda: _conv_grads(freeze(dout, 0), x, wt, s, p)[k])]
    if k == 1:
        out += [("the input of image 0, x[0], is used for every image n (an index n lost where the windows of x are "
                 "read)", lambda: _conv_grads(dout, freeze(x, 0), wt, s, p)[1]),
                ("input channel 0 of x is used for every input channel c (an index c lost where the windows of x "
                 "are read)", lambda: _conv_grads(dout, freeze(x, 1), wt, s, p)[1])]
    return out


def _index_readings(got, want, head, labels, tol, frozen) -> None:
    """Which index the wrong result lost: equal to the rule with one input's index frozen or summed (``frozen``),
    or right for some slices along one axis and wrong for all the others (a loop that covers part of an axis)."""
    g = np.asarray(got, _float64)
    for sentence, value in frozen:
        v = value()
        if v.shape == g.shape and not core.close(v, want, **tol) and core.close(g, v, **tol):
            fail(f"{head}: your result is what the rule gives when {sentence}", "index-lost-" + _diag_id(sentence)[:30])
    for axis, label in enumerate(labels[:2]):      # batch and channel axes: the spatial ones have their own
        if g.shape[axis] < 2:                       # cross-case readings (overlap, stride, a dropped position)
            continue
        ok = [core.close(np.take(g, [i], axis=axis), np.take(want, [i], axis=axis), **tol) for i in range(g.shape[axis])]
        if any(ok) and not all(ok):
            right = [i for i, good in enumerate(ok) if good]
            wrong = [i for i, good in enumerate(ok) if not good]
            if all(not np.take(g, [i], axis=axis).any() for i in wrong):     # nothing written there: confirmed
                fail(f"{head}: right for {label} {right} and 0 for {label} {wrong} (nothing was written there), "
                     f"whatever the other indices: the code reaches only part of the {label} axis (a fixed index "
                     f"0, a loop range, or a slice that stops short along it)", "index-part-covered")


def _constant_along(got, want, context, tol) -> None:
    """Which axis the wrong dx does not vary along where the rule's does (every image, or every input channel, given
    the same gradient): the part of the computation that lost that index, whatever the code."""
    g = np.asarray(got, _float64)
    for axis, label, cause in ((0, "image of the batch", "each image's dx uses its own dout[n]: an index n lost (dout "
                                                         "summed over the batch, or dout[0] / x[0] for every n?)"),
                               (1, "input channel", "input channel c gets dout * w[o, c], its own slice of the kernel: "
                                                    "an index c lost (w summed over c, or w[o, 0] for every c?)")):
        if g.shape[axis] < 2:
            continue
        first = np.take(g, [0], axis=axis)
        if core.close(g, np.broadcast_to(first, g.shape), 1e-12, 1e-12) and \
                not core.close(want, np.broadcast_to(np.take(want, [0], axis=axis), want.shape), **tol):
            fail(f"conv2d_backward ({context}): dx is the same for every {label} (dx[{':, ' * axis}0] repeated), where "
                 f"the rule's dx differs from one {label} to the next: {cause}", f"dx-constant-along-{axis}")


def _backward_case(conv2d_backward, r, case, seen=None):
    n, c, h, w, co, kh, kw, s, p, dt = case
    x, wt, _ = _conv_inputs(r, case)
    ho, wo = _out_size(case)
    dout = r.normal(0, 1, (n, co, ho, wo)).astype(dt)
    context = _describe_conv(case)
    want_dx, want_dw, want_db = _conv_grads(dout, x, wt, s, p)
    tol = _tol(dt)
    sizes = {"H_out*W_out (the output positions)": ho * wo, "N*H_out*W_out": n * ho * wo,
             "C_out": co, "C_in": c, "KH*KW": kh * kw, "C_in*KH*KW": c * kh * kw}

    def run():
        out = _call(conv2d_backward, (dout, x, wt, s, p), "conv2d_backward", context)
        dx, dw, db = _unpack(out, 3, "conv2d_backward", "(dx, dw, db)")
        if seen is not None:
            seen[case] = (_shape(dx), _shape(dw), _shape(db), _dims("conv2d_backward", (dout, x, wt, s, p)))
        # dout's memory read as (C_out, N, H_out, W_out): a reshape without the transpose.
        scrambled = dout.reshape(co, n, ho, wo).transpose(1, 0, 2, 3)
        unmoved = ("dout was reshaped to (C_out, N*H_out*W_out) without first moving its channel axis "
                   "to the front: dout.transpose(1, 0, 2, 3) before the reshape")
        # dout's memory read with H_out and W_out swapped (a transpose (1, 0, 3, 2) before the reshape).
        hw_scrambled = np.ascontiguousarray(dout.transpose(0, 1, 3, 2)).reshape(n, co, ho, wo)
        # With H_out == W_out the same numbers come from either side (dout read transposed, or the windows laid
        # out in (W_out, H_out) order): name the pairing, not one side.
        swapped_hw = ("dout is read with its H_out and W_out axes swapped (dout[n, o, j, i] where dout[n, o, i, j] "
                      "belongs, or a transpose such as (1, 0, 3, 2) before flattening): output position (i, j) "
                      "pairs dout[:, :, i, j] with the window starting at (i*stride, j*stride)") if ho != wo else (
            "output positions and windows are paired transposed: the window starting at (i*stride, j*stride) meets "
            "dout[:, :, j, i] (H_out = W_out here, so either side may carry the swap: dout read with H_out and W_out "
            "swapped, e.g. a transpose (1, 0, 3, 2) before flattening, or the windows (cols) laid out in (W_out, "
            "H_out) order); the columns of cols and of dout's (C_out, N*H_out*W_out) matrix must list the positions "
            "in the same (n, i, j) order, so that position (i, j) pairs dout[:, :, i, j] with its window")
        # dw
        shape = _shape(dw)
        if shape == (n, co, c, kh, kw):
            fail(f"conv2d_backward ({context}): dw has shape {shape}: sum the per-sample "
                 f"weight gradients over the batch (dw has the shape of w, {wt.shape})", "dw-not-summed")
        if shape == (c, co, kh, kw) and c != co:
            fail(f"conv2d_backward ({context}): dw has shape {shape}: it must have the shape of w, "
                 f"(C_out, C_in, KH, KW) = {wt.shape}; transpose the result of your product", "dw-transposed")
        if shape == (co, c, kw, kh) and kh != kw:
            fail(f"conv2d_backward ({context}): dw has shape {shape}: its last two axes are swapped; dw[o, c, u, v] "
                 f"is the gradient of w[o, c, u, v] (u along H, KH values; v along W, KW values)", "dw-kernel-axes-swapped")
        if shape == x.shape and x.shape != wt.shape:
            fail(f"conv2d_backward ({context}): the second value returned has the shape of x: "
                 f"return (dx, dw, db) in this order", "wrong-return-order")
        dw = _expect(dw, f"conv2d_backward dw ({context})", wt.shape, dt)
        if n > 1 and not core.close(dw, want_dw, **tol):
            _first_sample_only(dx, dw, db, dout, x, wt, s, p, tol, context)
        try:
            _close_sized(dw, want_dw, name=f"conv2d_backward dw ({context})", sizes=sizes, **tol, diagnose={
                "dw is flipped: dw[o, c, u, v] sums dout[n, o, i, j] * xp[n, c, i*stride + u, j*stride + v] "
                "(a cross-correlation of the input with dout, nothing rotated)": want_dw[:, :, ::-1, ::-1],
                "dw is divided by N: the 1/N of the mean lives in the loss backward only": want_dw / n,
                "dw: " + DOUT_FLIPPED: lambda: _conv_grads(np.ascontiguousarray(dout[:, :, ::-1, ::-1]), x, wt, s,
                                                           p)[1] if ho * wo > 1 else want_dw + np.nan,
                "dw is N times too large: the batch sum is already in the product, do not multiply by N":
                    want_dw * n,
                unmoved: lambda: _conv_grads(scrambled, x, wt, s, p)[1],
                "dw's kernel rows and columns are swapped (u and v, e.g. in the einsum subscripts): dw[o, c, u, v] "
                "pairs dout with xp[n, c, i*stride + u, j*stride + v], u along H and v along W":
                    lambda: want_dw.transpose(0, 1, 3, 2) if kh == kw else want_dw,
                **_one_sample("dw", n, lambda k: _conv_grads(dout[k:k + 1], x[k:k + 1], wt, s, p)[1]),
                swapped_hw: lambda: _conv_grads(hw_scrambled, x, wt, s, p)[1],
                **_positions_flattened_apart(dout, x, wt, s, p),
                "dw's memory was read as (C_in, C_out, KH, KW) and then transposed to (C_out, C_in, KH, KW): the "
                "(C_out, C_in*KH*KW) matrix g @ cols.T holds each output channel's row one after the other, so "
                "reshape it straight to w.shape, (C_out, C_in, KH, KW) (a reshape keeps the memory order; the "
                "transpose then moves numbers that were never in those places)":
                    lambda: want_dw.reshape(c, co, kh, kw).transpose(1, 0, 2, 3) if c != co else want_dw + np.nan,
                **({"dw multiplies dout summed over the batch by the input (its windows) summed over the batch: that "
                    "pairs each sample's dout with EVERY sample's input; dw sums the products sample by sample, "
                    "dw[o, c, u, v] = sum over n, i, j of dout[n, o, i, j] * xp[n, c, i*stride + u, j*stride + v] "
                    "(the sum of the products, not the product of the sums)":
                    lambda: _conv_grads(dout.sum(0, keepdims=True), x.sum(0, keepdims=True), wt, s, p)[1]}
                   if n > 1 else {}),
            })
        except core.CheckFailure as exc:
            if kh * kw > 1 and _generic(exc):     # the right numbers in the wrong places?
                # (a 1x1 kernel leaves several axis orders that fit: the other cases say which one)
                mixed = _layout_mixup(dw, want_dw, ("C_out", "C_in", "KH", "KW"), tol, batch=False)
                if mixed:
                    fail(f"conv2d_backward dw ({context}): {mixed[0]}; dw = g @ cols.T with g (C_out, "
                         f"N*H_out*W_out) and cols (C_in*KH*KW, N*H_out*W_out), reshaped to (C_out, C_in, KH, KW)",
                         "dw-" + mixed[1])
            if _generic(exc):
                _index_readings(dw, want_dw, f"conv2d_backward ({context}): dw",
                                ("output channel o", "input channel c", "kernel row u", "kernel column v"), tol,
                                _frozen_inputs(dout, x, wt, s, p, 1))
            raise
        # db
        shape = _shape(db)
        if shape is not None and shape != (co,):
            hint = {(co, ho, wo): "summed over the batch only", (n, co): "summed over H_out and W_out only",
                    (n, co, ho, wo): "not summed at all", (1, co, 1, 1): "kept with keepdims",
                    (1, co): "kept with keepdims"}.get(shape, "of the wrong shape")
            fail(f"conv2d_backward ({context}): db has shape {shape} ({hint}): the bias gradient of "
                 f"channel o sums dout[:, o] over the batch AND all output positions, "
                 f"dout.sum(axis=(0, 2, 3)), shape (C_out,) = {(co,)} like b", "db-" + _diag_id(hint))
        db = _expect(db, f"conv2d_backward db ({context})", (co,), dt)
        _close_sized(db, want_db, name=f"conv2d_backward db ({context})", sizes=sizes, **tol, diagnose={
            "db is averaged: sum dout over N, H_out and W_out (no division)":
                want_db / (n * ho * wo),
            "db is divided by N: the 1/N of the mean lives in the loss backward only": want_db / n,
            unmoved: lambda: scrambled.sum(axis=(0, 2, 3)),
            **_one_sample("db", n, lambda k: dout[k].sum(axis=(1, 2))),
        })
        _check_dx(dx, want_dx, x, wt, dout, case, context, sizes)
    return run


#: dout read back to front along H_out and W_out (dout[:, :, ::-1, ::-1]: "the backward pass is a flipped
#: convolution" applied to dout instead of to the kernel of dx's full convolution).
DOUT_FLIPPED = ("dout was flipped spatially (dout[:, :, ::-1, ::-1], output position (i, j) read as (H_out-1-i, "
                "W_out-1-j)): nothing is flipped in dw, which pairs dout[:, :, i, j] with the window starting at "
                "(i*stride, j*stride) as it is; the 180-degree rotation of the 'backward is a full convolution' "
                "rule is the KERNEL's, for dx only")


def _first_sample_only(dx, dw, db, dout, x, wt, s, p, tol, context) -> None:
    """dw and db are sample 0's alone and dx is sample 0's gradient followed by zeros: the loop over the samples
    stopped after its first pass (every result is affected, not one sum)."""
    dx0, dw0, db0 = _conv_grads(dout[:1], x[:1], wt, s, p)
    if _shape(dx) != x.shape or not core.close(dw, dw0, **tol):
        return
    dx = np.asarray(dx, _float64)
    if core.close(dx[:1], dx0, **tol) and not dx[1:].any():
        first_db = _shape(db) == db0.shape and core.close(db, db0, **tol)
        fail(f"conv2d_backward ({context}): dx and dw{' and db' if first_db else ''} hold sample 0 only (dx of the "
             f"other samples is 0, dw{' and db are' if first_db else ' is'} sample 0's alone): the loop over the "
             f"samples ends after its first pass: a `return` indented inside the loop over n (or a break)? Return "
             f"after the loops", "first-sample-only-loop-exit")


def _one_sample(label: str, n: int, grad_of) -> dict:
    """Diagnoses for a parameter gradient that holds one sample's contribution instead of the batch sum
    (``grad_of(k)``: the gradient of sample k alone); none for a batch of one."""
    if n < 2:
        return {}
    return {f"{label} holds the contribution of the FIRST sample only: it must sum over the whole batch "
            f"(every n, e.g. dout over axis 0 too, or += in a loop over n)": lambda: grad_of(0),
            f"{label} holds the contribution of the LAST sample only: a loop over the samples assigns (=) where it "
            f"must accumulate (+=)": lambda: grad_of(n - 1)}


def _conv_backward_from_zeros(conv2d_backward, r) -> None:
    """dx, dw, db that change with what memory held before the call (np.empty where np.zeros
    belongs: the buffer col2im adds into, or a gradient accumulated over a loop)."""
    case = CONV_CASES[2]
    n, c, h, w, co, kh, kw, s, p, dt = case
    x, wt, _b = _conv_inputs(r, case)
    dout = r.normal(0, 1, (n, co, *_out_size(case))).astype(dt)
    hp, wp = h + 2 * p, w + 2 * p
    every = "its entries must be the sums of their contributions alone"
    _not_from_zeros(conv2d_backward, (dout, x, wt, s, p),
                    [(n, c, h, w), (n, c, hp, wp), (c, n, hp, wp), (co, c, kh, kw), (co,)],
                    {0: ("dx", np.ones((n, c, h, w), bool), every), 1: ("dw", np.ones(wt.shape, bool), every),
                     2: ("db", np.ones((co,), bool), every)},
                    "conv2d_backward", _describe_conv(case))


def conv2d_backward(conv2d_backward):
    # first: an uninitialised buffer may hold zeros by chance in the cases below (the verdict must not depend on it)
    _conv_backward_from_zeros(conv2d_backward, core.rng("lab07.conv2d_backward.zeros"))
    r = core.rng("lab07.conv2d_backward")
    # Finite differences of the oracle's forward as a witness for the oracle's gradients.
    _witness(r)
    seen: dict = {}
    runs = [(case, _backward_case(conv2d_backward, r, case, seen)) for case in CONV_CASES]
    results = []
    said = None
    try:
        results = [(case, _attempt(run)) for case, run in runs]
        _raises_by_option(results, "conv2d_backward", CONV_OPTIONS, CONV_RULE)
        first = next((exc for _, exc in results if exc is not None), None)
        _report(results, _backward_patterns(_which_output(str(first)) if first else None),
                probe=lambda case: _attempt(_backward_case(conv2d_backward, r, case)),
                square=(lambda case: _attempt(_backward_case(conv2d_backward, r, case)), CONV_SQUARE_CASES,
                        "conv2d_backward"))
        case = CONV_CASES[3]
        args = []
        for _ in range(2):
            x, wt, _b = _conv_inputs(r, case)
            args.append((r.normal(0, 1, (case[0], case[4], *_out_size(case))).astype(case[9]), x, wt,
                         case[7], case[8]))
        _call(conv2d_backward, args[0], "conv2d_backward", _describe_conv(case))
        _same_shapes_again(conv2d_backward, "conv2d_backward", _describe_conv(case), args[0], args[1],
                           lambda d, x, w, s, p: _conv_grads(d, x, w, s, p), ("dx", "dw", "db"),
                           {0: "dout", 1: "x", 2: "w"})
        x, wt, _b = _conv_inputs(r, (2, 3, 6, 7, 4, 3, 3, 1, 1, np.float64))
        _defaults(conv2d_backward, "conv2d_backward", (r.normal(0, 1, (2, 4, 4, 5)), x, wt), (("stride", 1), ("pad", 0)),
                  _conv_grads, _same_arrays, "x of shape (2, 3, 6, 7), w of shape (4, 3, 3, 3)")
        k = core.rng("lab07.conv2d_backward.kept")
        case = CONV_CASES[2]
        twice = [(k.normal(0, 1, (case[0], case[4], *_out_size(case))), *_conv_inputs(k, case)[:2], case[7], case[8])
                 for _ in range(2)]
        _results_kept(conv2d_backward, "conv2d_backward", _describe_conv(case), *twice, ("dx", "dw", "db"))
        _layout_free(conv2d_backward, "conv2d_backward", _describe_conv(case), twice[1],
                     lambda d, x, w, s, p: _conv_grads(d, x, w, s, p), ("dx", "dw", "db"),
                     {0: "dout", 1: "x", 2: "w"})
        _after_change(conv2d_backward, "conv2d_backward", _describe_conv(case), twice[0],
                      lambda d, x, w, s, p: _conv_grads(d, x, w, s, p), ("dx", "dw", "db"), {0: "dout", 1: "x", 2: "w"},
                      k)
        _conv_backward_mixed_dtypes(conv2d_backward)
    except core.CheckFailure as exc:
        if results and _which_output(str(exc)) == "dx":
            _dx_crop_offset(conv2d_backward, _head(exc))
        case = next((c for c, e in results if e is exc), None) if results else None
        if case is not None and case[9] == _float64 and _generic(exc) and not str(exc.diagnosis).startswith("raised"):
            q = core.rng("lab07.conv2d_backward.precision")
            x, wt, _b = _conv_inputs(q, case)
            said = _float32_inside(conv2d_backward, "conv2d_backward", _describe_conv(case),
                                   (q.normal(0, 1, (case[0], case[4], *_out_size(case))), x, wt, case[7], case[8]),
                                   lambda d, x_, w_, s_, p_: tuple(_conv_grads(d, x_, w_, s_, p_)))
        if said is None:
            if results and _generic(exc):
                _conv_sweep(conv2d_backward, results, forward=False)
            if _generic(exc):
                _dout_axes_mixed(conv2d_backward, "conv2d_backward", exc)
            if results:
                _sizes_from_input(exc, [(case, None, e) for case, e in results])
            _dx_uncovered(conv2d_backward, seen)
            _matmul_mismatch(exc, results)
            if exc.diagnosis in ("wrong-shape", "db-of-the-wrong-shape"):
                wants = (lambda c: c[:4], lambda c: (c[4], c[1], c[5], c[6]), lambda c: (c[4],))
                for k, (array, label) in enumerate((("dx", "(N, C_in, H, W)"), ("dw", "(C_out, C_in, KH, KW)"),
                                                    ("db", "(C_out,)"))):
                    story = _shape_story([(v[k], wants[k](c), v[3]) for c, v in seen.items()], array, label)
                    if story and array == "db" and exc.diagnosis == "db-of-the-wrong-shape":
                        fail(f"{exc}; {story}", "shape-axes-named")      # the rule of db, then what was summed
                    if story:
                        fail(f"conv2d_backward: {story}", "shape-axes-named")
            if exc.diagnosis == "scaled":       # a factor on one case: is the result linear in its input?
                k = {"dx": 0, "dw": 1}.get(_which_output(str(exc)))
                case = next((c for c, e in results if e is exc), None) if results else None
                if k is not None and case is not None:
                    other = CONV_CASES[0] if case != CONV_CASES[0] else CONV_CASES[2]
                    _scaling_probe(conv2d_backward, k, [case, other], r, _head(exc))
            if _generic(exc) and not str(exc.diagnosis).startswith("raised"):
                for case in CONV_CASES[:5]:
                    found = _positions_probe(lambda d, x, w, c=case: conv2d_backward(d, x, w, c[7], c[8]),
                                             lambda d, x, w, c=case: _conv_grads(d, x, w, c[7], c[8]),
                                             _conv_inputs(r, case)[:2], _out_size(case), r)
                    if found:
                        fail(f"{_head(exc)}: {found}", "output-positions-skipped")
                if _which_output(str(exc)) == "dw":
                    _dw_positions(conv2d_backward, _head(exc), core.rng("lab07.dw_positions"))
                k = {"dx": 0, "dw": 1, "db": 2}.get(_which_output(str(exc)))
                case = next((c for c, e in results if e is exc), None) if results else None
                if k is not None and case is not None:          # which input the wrong output's error comes from
                    x, wt, _b = _conv_inputs(r, case)
                    dout = r.normal(0, 1, (case[0], case[4], *_out_size(case))).astype(case[9])
                    _linearity_probe(lambda d: tuple(conv2d_backward(d, x, wt, case[7], case[8]))[k],
                                     lambda d: _conv_grads(d, x, wt, case[7], case[8])[k], dout, _head(exc),
                                     ("dx", "dw", "db")[k])
                    if k in (0, 1):     # dx is linear in w, dw in x: asked on this case and on a second one
                        other = CONV_CASES[0] if case != CONV_CASES[0] else CONV_CASES[2]
                        _scaling_probe(conv2d_backward, k, [case, other], r, _head(exc))
                    _isolate(lambda d, x_, w_: tuple(conv2d_backward(d, x_, w_, case[7], case[8]))[k],
                             lambda d, x_, w_: _conv_grads(d, x_, w_, case[7], case[8])[k],
                             {"dout": dout, "x": x, "w": wt}, exc, case[9])
            raise
    if said is not None:        # raised outside the handler: a confirmed reading, no one-change story appended
        raise said


def _dx_crop_offset(conv2d_backward, head: str) -> None:
    """Asked of a wrong dx: on the padded cases, is the student's dx the gradient of the PADDED input, dxp, cropped
    at another place than dxp[:, :, pad:pad + H, pad:pad + W]?  Every crop start (a, c) within the padded gradient is
    tried; when one same start (other than (pad, pad)) explains every padded case, the crop offset is named (the
    top-left corner :H, :W, the far end, pad - 1, ...), whatever the code that cut it."""
    r = core.rng("lab07.conv2d_backward.crop")
    found, shown = None, None
    for case in [c for c in CONV_CASES if c[8] > 0][:4]:
        n, c_in, h, w_, co, kh, kw, s, p, dt = case
        x, wt, _b = _conv_inputs(r, case)
        dout = r.normal(0, 1, (n, co, *_out_size(case))).astype(dt)
        try:
            got = _unpack(core.call(conv2d_backward, dout, x, wt, s, p, name="conv2d_backward"), 3, "conv2d_backward",
                          "(dx, dw, db)")[0]
            got = np.asarray(got, dtype=_float64)
        except (core.CheckFailure, TypeError, ValueError):
            return
        dxp = _conv_grads(dout, _padded(x, p), wt, s, 0)[0]
        if got.shape != x.shape:
            return
        rtol, atol = (1e-4, 1e-5) if np.dtype(dt) == np.float32 else (1e-6, 1e-9)
        starts = {(a, b) for a in range(dxp.shape[2] - h + 1) for b in range(dxp.shape[3] - w_ + 1)
                  if np.allclose(got, dxp[:, :, a:a + h, b:b + w_], rtol=rtol, atol=atol)}
        if (p, p) in starts or not starts:
            return
        # the starts written with pad, so that one reading holds across the cases (0, 2*pad, pad - 1, ...)
        readings = {(ra, rb) for a, b in starts for ra in _offset_names(a, p) for rb in _offset_names(b, p)}
        found = readings if found is None else found & readings
        if not found:
            return
        shown = shown or (case, starts)
    if not found or shown is None:
        return
    case, starts = shown
    ra, rb = sorted(found, key=lambda t: (len(t[0]) + len(t[1]), t))[0]
    a, b = sorted(starts)[0]
    where = " (the top-left corner)" if (ra, rb) == ("0", "0") else ""
    fail(f"{head.split(' (')[0]} ({_describe_conv(case)}): dx is the gradient of the padded input cropped at the wrong "
         f"place: your dx equals dxp[:, :, {a}:{a} + H, {b}:{b} + W] of the padded gradient dxp (shape of xp), where "
         f"dxp[:, :, pad:pad + H, pad:pad + W] belongs: the crop starts at row {ra}, column {rb}{where} instead of "
         f"row pad, column pad; the first `pad` rows and columns of dxp are the gradient of the top and left "
         f"padding, and x's own pixels start after them", "dx-crop-offset")


def _offset_names(a: int, p: int) -> set:
    """Ways of writing the crop start ``a`` with the padding ``p`` of its case."""
    names = {"0": 0, "pad": p, "2*pad": 2 * p, "pad - 1": p - 1, "pad + 1": p + 1, "1": 1, "2": 2, "pad // 2": p // 2}
    return {k for k, v in names.items() if v == a}


def _dout_axes_mixed(fn, name: str, exc) -> None:
    """Asked of every backward pass whose dout is (N, channels, H_out, W_out) (conv2d_backward, maxpool2d_backward)
    after a failure: the same kind of call once with dout's channel count equal to H_out = W_out (every other size
    different) and once with only the channel count changed.  Right on the first and wrong (or raising) on the
    second: a size is read from the wrong axis of dout (axis 1 is the channels: H_out, W_out = dout.shape[2:])."""
    r = core.rng(f"lab07.{name}.dout-axes")
    runs = []
    for k in (4, 9 if name == "conv2d_backward" else 3):   # k channels: 4 = H_out = W_out, then another count
        if name == "conv2d_backward":
            case = (7, 6, 8, 10, k, 3, 5, 2, 1, np.float64)         # H_out = W_out = 4
            x, wt, _b = _conv_inputs(r, case)
            dout = r.normal(0, 1, (7, k, 4, 4))
            args, want = (dout, x, wt, 2, 1), _conv_grads(dout, x, wt, 2, 1)
            axis = "C_out"
        else:
            x = _distinct(r, (5, k, 8, 8), np.float64)                # size 2, stride 2: H_out = W_out = 4
            dout = r.normal(0, 1, (5, k, 4, 4))
            args, want = (dout, x, 2, 2), (_pool_grad(dout, x, 2, 2),)
            axis = "C"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with np.errstate(all="ignore"):
                    out = core.call(fn, *args, name=name)
            got = (out,) if len(want) == 1 else tuple(out)
            right = len(got) == len(want) and all(
                np.shape(g) == np.shape(w_) and core.close(np.asarray(g, _float64), w_, 1e-6, 1e-8)
                for g, w_ in zip(got, want))
        except Exception:   # a raise, or something that is not a tuple of arrays
            right = False
        runs.append((right, dout.shape))
    if not (runs[0][0] and not runs[1][0]):
        return
    fail(f"{_raised_head(str(exc))}: {name} is right when dout's channel axis is as long as its spatial axes "
         f"({axis} = H_out = W_out = 4, dout of shape {runs[0][1]}) and wrong when only {axis} changes (dout of "
         f"shape {runs[1][1]}, every other size the same): a size is read from the wrong axis of dout: dout is "
         f"(N, {axis}, H_out, W_out), axis 1 is {axis}: H_out, W_out = dout.shape[2:] (dout.shape[1:3] is "
         f"({axis}, H_out))", "dout-axes-mixed")


def _covered(case) -> tuple:
    """The shape dx has when col2im's buffer spans only the rows and columns some window reaches ((H_out - 1) *
    stride + KH of the padded input, and W alike), cropped by pad:pad + H as usual."""
    n, c, h, w, _co, kh, kw, s, p, _dt = case
    ho, wo = _out_size(case)
    return (n, c, max(0, min(h, (ho - 1) * s + kh - p)), max(0, min(w, (wo - 1) * s + kw - p)))


#: Cases whose last rows AND columns are reached by no window (stride 2 and 3), sizes pairwise different.
UNCOVERED_CASES = [(2, 3, 10, 13, 4, 3, 2, 2, 0, np.float64), (3, 2, 11, 9, 4, 2, 3, 3, 1, np.float64)]


def _dx_uncovered(conv2d_backward, seen) -> None:
    """dx shorter than x by exactly the rows / columns no window reaches (the stride leaves them past the last
    window): col2im's buffer was sized from the output, (H_out - 1) * stride + KH, not from the padded input.  Told
    when a graded case showed that shape and two more calls whose last rows AND columns no window reaches (other,
    pairwise different sizes) give that shape with the right values where the windows reach; asked only after a
    failure."""
    if not any(v[0] == _covered(c) != c[:4] for c, v in seen.items()):
        return
    r = core.rng("lab07.conv2d_backward.uncovered")
    for case in UNCOVERED_CASES:
        x, wt, _b = _conv_inputs(r, case)
        dout = r.normal(0, 1, (case[0], case[4], *_out_size(case)))
        try:
            got = _unpack(_call(conv2d_backward, (dout, x, wt, case[7], case[8]), "conv2d_backward",
                                _describe_conv(case)), 3, "conv2d_backward", "(dx, dw, db)")[0]
        except core.CheckFailure:
            return
        shape = _covered(case)
        want = _conv_grads(dout, x, wt, case[7], case[8])[0][:, :, :shape[2], :shape[3]]
        if _shape(got) != shape or not core.close(np.asarray(got, _float64), want, **_tol(case[9])):
            return
    case = UNCOVERED_CASES[0]
    fail(f"conv2d_backward ({_describe_conv(case)}): dx has shape {_covered(case)} where x's shape {case[:4]} "
         f"belongs, and so in every case whose last rows or columns are not covered by any window (with stride "
         f"{case[7]}, the windows reach rows 0 .. (H_out - 1) * stride + KH - 1 = {_covered(case)[2] - 1} only); "
         f"your values are right where the windows reach: the col2im buffer was sized from the OUTPUT, (H_out - 1) "
         f"* stride + KH, so the pixels no window covers are cut off; they belong in dx with gradient 0: size the "
         f"buffer from the padded input (xp.shape, H + 2*pad by W + 2*pad), then crop the padding",
         "dx-uncovered-rows-dropped")


def _matmul_mismatch(exc, results) -> None:
    """A matrix product of conv2d_backward raised because its inner sizes differ: say the im2col matrices' shapes
    in the case that raised and the two products of the rule (the order of the operands, which one transposed)."""
    text = str(exc)
    sizes = re.search(r"mismatch in its core dimension.*?\(size (\d+) is different from (\d+)\)", text)
    case = next((c for c, e in results if e is exc), None) if results else None
    if not sizes or case is None:
        return
    n, c, _h, _w, co, kh, kw, _s, _p, _dt = case
    ho, wo = _out_size(case)
    rows, cols = c * kh * kw, n * ho * wo
    fail(f"{text}: a matrix product A @ B needs A's last size equal to B's first; yours met {sizes.group(2)} and "
         f"{sizes.group(1)}. In the im2col form of this case dout is the ({co}, {cols}) matrix G (C_out, "
         f"N*H_out*W_out) and the columns the ({rows}, {cols}) matrix X (C_in*KH*KW, N*H_out*W_out): dw = G @ X.T "
         f"({co}, {rows}), reshaped to w's shape, and dcols = W.T @ G ({rows}, {cols}) with W = w.reshape({co}, "
         f"{rows}): check the order of the operands and which one is transposed (G.T @ X is not G @ X.T; the "
         f"shapes agree by chance only when C_out == C_in*KH*KW)", "matmul-operands-order")


def _head(exc) -> str:
    """A failure's message without its generic analysis of the values (replaced by a sharper diagnosis)."""
    text = str(exc)
    cut = text.find(" has wrong values")
    return text[:cut].rstrip(":") if cut > 0 else text


def _positions_probe(student, oracle, inputs, out_hw, r) -> str | None:
    """Feed a dout that is non-zero on ONE output row (then one column) at a time: the rows/columns whose
    gradient comes back all zero while the others are right were skipped by the student's loops or slices."""
    x, w = inputs
    n, co = x.shape[0], (w.shape[0] if w is not None else x.shape[1])
    ho, wo = out_hw
    for what, count in (("row", ho), ("column", wo)):
        if count < 2:
            continue
        status = []
        for i in range(count):
            dout = np.zeros((n, co, ho, wo))
            index = (slice(None), slice(None), i, slice(None)) if what == "row" else (slice(None), slice(None),
                                                                                         slice(None), i)
            dout[index] = r.normal(0, 1, dout[index].shape)
            want = oracle(dout, x, w)
            want = want if isinstance(want, tuple) else (want,)
            try:
                got = core.call(student, dout, x, w, name="probe")
                got = tuple(got) if len(want) > 1 else (got,)
                got = [np.asarray(g, _float64) for g in got[:len(want)]]
            except Exception:
                return None
            if len(got) != len(want) or any(np.shape(g) != np.shape(e) for g, e in zip(got, want)):
                return None
            bad = [g for g, e in zip(got, want) if not core.close(g, e, 1e-6, 1e-8)]
            if not bad:
                status.append("right")
            elif all(not g.any() for g in bad):
                status.append("missing")
            else:
                status.append("wrong")
        missing = [i for i, st in enumerate(status) if st == "missing"]
        if missing and "right" in status and "wrong" not in status:
            last = count - 1
            edge = (" (the last one: a loop or slice stops one short, range(H_out - 1) or [:-1]?)"
                    if missing == [last] else " (the first one: a loop starts at 1?)" if missing == [0] else "")
            axis = "H_out" if what == "row" else "W_out"
            return (f"the output {what}(s) {missing} of {count} ({axis} = {count}) contribute nothing to the gradients "
                    f"and every other {what} is right{edge}: every output position (i, j), i < H_out, j < W_out, "
                    f"sends its gradient back")
    return None


def _witness(r):
    """Guard the oracle itself: its gradients equal centred finite differences in float64."""
    case = (2, 2, 5, 4, 3, 3, 2, 2, 1, np.float64)
    x, wt, b = _conv_inputs(r, case)
    out = _conv(x, wt, b, 2, 1)
    G = r.normal(0, 1, out.shape)
    dx, dw, db = _conv_grads(G, x, wt, 2, 1)
    checks = [(dx, x, lambda v: float(np.sum(G * _conv(v, wt, b, 2, 1)))),
              (dw, wt, lambda v: float(np.sum(G * _conv(x, v, b, 2, 1)))),
              (db, b, lambda v: float(np.sum(G * _conv(x, wt, v, 2, 1))))]
    for analytic, at, f in checks:
        if not core.close(analytic, core.numerical_gradient(f, at.copy()), 1e-5, 1e-7):
            fail("internal check error: the convolution oracle disagrees with finite differences", "internal")


# ---------------------------------------------------------------------------------------------
# Max-pooling
# ---------------------------------------------------------------------------------------------

#: the options of a pooling case and their plainest values, for _raises_by_option.
POOL_OPTIONS = ((lambda c: c[5] != c[4], "stride different from size (overlapping or gapped windows)",
                 "stride equal to size"), (lambda c: c[4] != 2, "size other than 2", "size 2"),
                (lambda c: c[5] != 2, "stride other than 2", "stride 2"))
POOL_RULE = ("window (i, j) is x[:, :, i*stride : i*stride + size, j*stride : j*stride + size], whatever size and "
             "stride are")
POOL_CASES = [   # (N, C, H, W, size, stride, dtype)
    (3, 7, 8, 10, 2, 2, np.float64),     # first: every size differs from the others and from 1 (a slip shows)
    (3, 2, 8, 6, 2, 2, np.float64),      # the lab's 2x2 / stride 2
    (1, 4, 7, 9, 2, 2, np.float64),      # batch of one, odd sizes: the last row/column is dropped
    (5, 3, 9, 7, 3, 2, np.float64),      # overlapping windows
    (2, 5, 6, 10, 3, 3, np.float64),     # 3x3 / stride 3
    (3, 2, 5, 8, 2, 1, np.float64),      # stride 1: heavily overlapping
    (4, 3, 12, 10, 2, 2, np.float32),    # float32 in, float32 out
]


def _describe_pool(case) -> str:
    n, c, h, w, size, s, dt = case
    return (f"x of shape {(n, c, h, w)}, size {size}, stride {s}"
            f"{' (float32)' if np.dtype(dt) == np.float32 else ''}")


def _distinct(r, shape, dt):
    """Random values without ties (a permutation of a grid), so the maximum is unique."""
    values = r.permutation(int(np.prod(shape))).reshape(shape) / 7.0 - 3.0
    return values.astype(dt)


def _tiles(case) -> bool:
    """The pooling windows cover the image exactly, side by side (stride == size, H, W multiples)."""
    _, _, h, w, size, s, _ = case
    return s == size and h % size == 0 and w % size == 0


POOL_FORWARD_PATTERNS = [
    (lambda c: c[4] != c[5], "right only when stride == size: windows of size x size start every `stride` "
                             "pixels, so they may overlap (stride < size) or leave gaps", "pool-stride-neq-size"),
    (lambda c: not _tiles(c), "right only when the windows tile the image exactly (stride == size and H, W "
                              "multiples of size): windows start every `stride` pixels and a partial window "
                              "at the border is dropped", "pool-not-tiling"),
    (lambda c: np.dtype(c[6]) == np.float32, "right in float64 and wrong in float32: compute in the dtype of x",
     "float32-only-fails"),
    (lambda c: c[5] > 1, "right for stride 1 and wrong for larger strides: the stride only decides where window "
                         "(i, j) starts, (i*stride, j*stride); every window is the whole size x size block, "
                         "x[:, :, i*stride:i*stride + size, j*stride:j*stride + size]", "pool-stride-only-fails"),
]


def maxpool2d_forward(maxpool2d_forward):
    r = core.rng("lab07.maxpool2d_forward")
    inputs = [_distinct(r, case[:4], case[6]) for case in POOL_CASES]
    # A wrong shape is named only by a mistake that predicts the shape of EVERY answer (one case can agree
    # with a mistake by chance).
    observed = []
    for case, x in zip(POOL_CASES, inputs):
        try:
            observed.append((case, _shape(core.call(maxpool2d_forward, x, case[4], case[5], name="maxpool2d_forward"))))
        except core.CheckFailure:
            observed.append((case, None))
    seen = [(case, shape) for case, shape in observed if shape is not None]
    consistent = {diagnosis for *_, diagnosis in _pool_shape_mistakes(POOL_CASES[0])
                  if seen and all(shape == next(w for w, _, d in _pool_shape_mistakes(case) if d == diagnosis)
                                  for case, shape in seen)}
    pool_shape = lambda c: (c[0], c[1], len(_starts(c[2], c[4], c[5])), len(_starts(c[3], c[4], c[5])))
    if not consistent and any(shape not in (None, pool_shape(case)) for case, shape in observed):
        story = _shape_story([(shape, pool_shape(case), _dims("maxpool2d_forward", (x, case[4], case[5])))
                              for (case, shape), x in zip(observed, inputs)], "your output", "(N, C, H_out, W_out)")
        if story:
            case, shape = next((c, sh) for c, sh in observed if sh not in (None, pool_shape(c)))
            fail(f"maxpool2d_forward ({_describe_pool(case)}): expected shape {pool_shape(case)}, got {shape}: {story}",
                 "shape-axes-named")
    results = []
    for case, x in zip(POOL_CASES, inputs):
        results.append((case, _attempt(lambda: _pool_forward_case(maxpool2d_forward, x, case, consistent))))
    _pool_sweep(maxpool2d_forward, results, forward=True)
    _raises_by_option(results, "maxpool2d_forward", POOL_OPTIONS, POOL_RULE)
    failed = [(case, x) for (case, exc), x in zip(results, inputs) if exc is not None and _generic(exc)
              and not str(exc.diagnosis).startswith("raised")]
    if failed and failed[0][0][6] == _float64:
        case, x = failed[0]
        said = _float32_inside(maxpool2d_forward, "maxpool2d_forward", _describe_pool(case), (x, case[4], case[5]),
                               _pool)
        if said is not None:
            raise said
    _negative_second(maxpool2d_forward, results)
    _report(results, POOL_FORWARD_PATTERNS, square=(lambda case: _attempt(lambda: _pool_forward_case(
        maxpool2d_forward, _distinct(r, case[:4], case[6]), case)), POOL_SQUARE_CASES, "maxpool2d_forward"))
    n, c, h, w, size, s, dt = case = POOL_CASES[3]
    first = (_distinct(r, (n, c, h, w), dt), size, s)
    _call(maxpool2d_forward, first, "maxpool2d_forward", _describe_pool(case))
    _same_shapes_again(maxpool2d_forward, "maxpool2d_forward", _describe_pool(case), first,
                       (_distinct(r, (n, c, h, w), dt), size, s), _pool, ("out",), {0: "x"})
    _defaults(maxpool2d_forward, "maxpool2d_forward", (_distinct(r, (2, 3, 7, 9), _float64),),
              (("size", 2), ("stride", 2)), _pool, _same_arrays, "x of shape (2, 3, 7, 9)")
    _negative_windows(maxpool2d_forward, r)
    k = core.rng("lab07.maxpool2d_forward.kept")
    case = POOL_CASES[3]
    _results_kept(maxpool2d_forward, "maxpool2d_forward", _describe_pool(case),
                  *[(_distinct(k, case[:4], case[6]), case[4], case[5]) for _ in range(2)], ("output",))
    _layout_free(maxpool2d_forward, "maxpool2d_forward", _describe_pool(case),
                 (_distinct(k, case[:4], case[6]), case[4], case[5]), _pool, ("output",), {0: "x"})
    _after_change(maxpool2d_forward, "maxpool2d_forward", _describe_pool(case),
                  (_distinct(k, case[:4], case[6]), case[4], case[5]), _pool, ("output",), {0: "x"}, k)


def _negative_second(maxpool2d_forward, results) -> None:
    """A second input for wrong values on the cases (mostly positive values): every window negative.  A named
    reading there is told (the cases' failures are generic only); else its comparison, right or wrong, goes with
    each failure, so the judge's one change must give the right maxima of negative windows too (dropping a
    sign restored after a max of |x| fits the mostly positive cases by coincidence)."""
    failures = [exc for _, exc in results if exc is not None]
    if not failures or not all(_generic(exc) and exc.compared is not None for exc in failures):
        return
    r = core.rng("lab07.maxpool2d_forward.negative")
    try:
        got, want = _negative_windows(maxpool2d_forward, r)
    except core.CheckFailure as exc:
        if not _generic(exc):
            raise exc from None
        if exc.compared is None:
            return
        other = exc.compared
    else:
        other = core.Compared(got, want, name="maxpool2d_forward (every value negative)", **_tol(_float64))
    for exc in failures:
        if not exc.others:
            exc.others = [e.compared for e in failures if e is not exc and e.compared is not None][:3]
        exc.others.append(other)


def _negative_windows(maxpool2d_forward, r):
    """Every value negative (activations before a ReLU, a normalised image): a running maximum must not
    start from 0.  Returns (got, want) when right."""
    shape, context = (2, 3, 6, 8), "x of shape (2, 3, 6, 8), every value negative, size=2, stride=2"
    x = -(r.permutation(int(np.prod(shape))).reshape(shape) + 1.0) / 7.0
    want = _pool(x, 2, 2)
    got = _expect(_call(maxpool2d_forward, (x, 2, 2), "maxpool2d_forward", context), f"maxpool2d_forward ({context})",
                  want.shape, _float64)
    expect_close(got, want, name=f"maxpool2d_forward ({context})", **_tol(_float64), diagnose={
        "every window here is negative and your maxima are 0: the running maximum starts from 0 (np.zeros); "
        "start it from the window's first value or from -inf (np.full(shape, -np.inf))": np.zeros_like(want),
        "every window here is negative and your result is the largest MAGNITUDE of each window, max |x| (np.abs "
        "somewhere): max-pooling keeps the largest VALUE, the one closest to +inf (of -0.5 and -3 it keeps -0.5)":
            lambda: _pool(np.abs(x), 2, 2),
        "every window here is negative and your result is the entry of largest magnitude of each window, the most "
        "negative one (np.abs used to pick it): max-pooling keeps the largest VALUE (of -0.5 and -3 it keeps -0.5)":
            lambda: -_pool(np.abs(x), 2, 2)})
    return got, want


def _pool_shape_mistakes(case):
    """(shape the mistake gives, message, id) for the max-pooling forward shape mistakes."""
    n, c, h, w, size, s, dt = case
    ho, wo = len(_starts(h, size, s)), len(_starts(w, size, s))
    return [
        ((n, c, len(range(0, h - size, s)), len(range(0, w - size, s))),
         "the last window of each row and column is dropped: window starts run over range(0, H - size + 1, stride) "
         "(the stop of range is excluded, so H - size alone stops one start short when it is a multiple of the "
         "stride)", "pool-last-window-dropped"),
        ((n, c, len(_starts(h, s, size)), len(_starts(w, s, size))),
         "size and stride are swapped: windows of size x size start every `stride` pixels, "
         "maxpool2d_forward(x, size, stride)", "pool-size-stride-swapped"),
        ((n, c, size, size), "the maximum was taken over the window POSITIONS (axes 2 and 3 of the "
                             "sliding-window view) instead of inside each window (its last two axes, "
                             "axis=(4, 5))", "pool-max-wrong-axes"),
        ((n, c, ho + 1, wo + 1), "the output size is off by one: H_out = (H - size) // stride + 1",
         "size-off-by-one"),
        ((n, c, len(_starts(h, size, 1)), len(_starts(w, size, 1))),
         "the stride is ignored: windows start every `stride` pixels", "stride-ignored"),
        ((n, ho, wo), "the channel axis is lost: pool each channel separately, (N, C, H_out, W_out)",
         "pool-channel-lost"),
        ((n, c, wo, ho), "height and width are swapped", "height-width-swapped"),
        ((n, c, -(-h // s), -(-w // s)), "a partial window at the border was kept: windows that do "
                                         "not fit entirely are dropped (round down)", "pool-partial-window"),
        ((n, c, ho, len(_starts(w, size, 1))), "the stride is applied along H only: along W the windows start at "
         "every pixel (W_out is the stride-1 count); slice both window axes, [:, :, ::stride, ::stride], or use the "
         "stride in both loops", "pool-stride-along-h-only"),
        ((n, c, len(_starts(h, size, 1)), wo), "the stride is applied along W only: along H the windows start at "
         "every pixel (H_out is the stride-1 count); slice both window axes, [:, :, ::stride, ::stride], or use the "
         "stride in both loops", "pool-stride-along-w-only"),
        ((n, c, h // s, w // s), "the output size is H // stride (and W // stride): that counts steps of the "
         "stride, not windows that fit; H_out = (H - size) // stride + 1 (equal only when stride == size and size "
         "divides H)", "pool-size-h-over-stride"),
        ((n, c, h // size, w // size), "the output size is H // size (and W // size): that counts disjoint blocks, "
         "not windows that start every `stride` pixels; H_out = (H - size) // stride + 1", "pool-size-h-over-size"),
    ]


def _pool_forward_case(maxpool2d_forward, x, case, consistent=None):
    n, c, h, w, size, s, dt = case
    context = _describe_pool(case)
    want = _pool(x, size, s)
    out = _call(maxpool2d_forward, (x, size, s), "maxpool2d_forward", context, want=want)
    shape = _shape(out)
    if shape is not None and shape != want.shape:
        for wrong, message, diagnosis in _pool_shape_mistakes(case):
            if shape == wrong and (consistent is None or diagnosis in consistent):
                fail(f"maxpool2d_forward ({context}): expected shape {want.shape}, got {shape}: {message}",
                     diagnosis)
        _pooled_axes(out, x, size, s, f"maxpool2d_forward ({context}): expected shape {want.shape}, got {shape}")
    got = _expect(out, f"maxpool2d_forward ({context})", want.shape, dt, want=want)
    try:
        expect_close(got, want, name=f"maxpool2d_forward ({context})", **_tol(dt), diagnose={
            "this is average pooling: take the MAXIMUM of each window": lambda: _pool(x, size, s, reduce="mean"),
            "the maximum is taken over the channels too: pool each channel separately":
                lambda: np.broadcast_to(want.max(axis=1, keepdims=True), want.shape),
        })
    except core.CheckFailure as exc:
        if _generic(exc):
            _pool_indices(exc, got, x, size, s)
            _pool_arguments_ignored(maxpool2d_forward, exc, got, x, size, s)
            _pool_provenance(exc, got, want, x, size, s, maxpool2d_forward)
        raise
    if np.dtype(dt) == _float64 and not _array_equal(np.asarray(got), want):
        # max-pooling selects entries of x and computes nothing: its float64 output is exact (checked once close)
        said = _float32_inside(maxpool2d_forward, "maxpool2d_forward", context, (x, size, s), _pool)
        if said is not None:
            raise said
        err = float(np.abs(np.asarray(got, _float64) - want).max())
        fail(f"maxpool2d_forward ({context}): your maxima differ from the window maxima by up to {err:.2g}: "
             f"max-pooling selects an entry of each window and computes nothing, so its output holds the entries of "
             f"x exactly (no arithmetic on the values, no change of dtype on the way)", "pool-not-exact")


def _pool_arguments_ignored(maxpool2d_forward, exc, got, x, size, s) -> None:
    """Call again with another size (and another stride): an output that does not change while the right one
    does says the argument is not used (a window or a step fixed in the code)."""
    def same_as_got(k, t):
        try:
            other = core.call(maxpool2d_forward, x, k, t, name="maxpool2d_forward")
        except core.CheckFailure:
            return False
        o = np.asarray(other, _float64)
        return o.shape == np.shape(got) and np.array_equal(o, np.asarray(got, _float64)) and \
            not (_pool(x, k, t).shape == _pool(x, size, s).shape and np.array_equal(_pool(x, k, t), _pool(x, size, s)))
    other_size = 2 if size != 2 else 3
    if not np.any(np.asarray(got, _float64)):      # an all-zero output ignores every argument: nothing to read
        return
    if not same_as_got(other_size, s):
        return
    stride_too = same_as_got(size, 1 if s != 1 else 2)
    fixed = "window and step" if stride_too else "window"
    fail(f"{_head(exc)}: maxpool2d_forward(x, {size}, {s}) and maxpool2d_forward(x, {other_size}, {s}) return "
         f"the same values: the size argument is not used{', nor the stride (stride 1 gives them too)' if stride_too else ''}"
         f": a {fixed} fixed in the code (such as 2 x 2 slices)? Every window is size x size, "
         f"x[:, :, i*stride : i*stride + size, j*stride : j*stride + size]", "pool-size-ignored")


def _pooled_axes(out, x, size, s, head) -> None:
    """Which two axes of x the windows slid over: the max-pool of x over each other pair of axes, compared with the
    student's output (its shape AND its values), names an axis mix-up whatever the code."""
    names = ("N", "C", "H", "W")
    try:
        got = np.asarray(out, _float64)
    except (TypeError, ValueError):
        return
    xv = np.asarray(x, _float64)
    for a, b in itertools.combinations(range(4), 2):
        if (a, b) == (2, 3) or xv.shape[a] < size or xv.shape[b] < size:
            continue
        win = np.lib.stride_tricks.sliding_window_view(xv, (size, size), axis=(a, b))
        index = [slice(None)] * 4
        index[a] = index[b] = slice(None, None, s)
        pooled = win[tuple(index)].max(axis=(-2, -1))
        if pooled.shape == got.shape and core.close(got, pooled, 1e-12, 1e-12):
            fail(f"{head}: your output is the max-pool of x over axes ({a}, {b}), {names[a]} and {names[b]}: x is "
                 f"(N, C, H, W), channels FIRST, and the windows slide over H and W only, axes (2, 3) (e.g. "
                 f"sliding_window_view(x, (size, size), axis=(2, 3))); every channel of every image is pooled on its "
                 f"own", "pool-wrong-axes")


def _pool_indices(exc, got, x, size, s):
    """Whole numbers 0 .. size*size - 1 that are the position of each window's maximum (row-major inside the
    window): the index of the maximum (argmax) where its value (max) belongs."""
    g = np.asarray(got, _float64)
    windows = np.lib.stride_tricks.sliding_window_view(np.asarray(x, _float64), (size, size), axis=(2, 3))[:, :, ::s, ::s]
    where = windows.reshape(windows.shape[:4] + (-1,)).argmax(axis=-1)
    if g.shape == where.shape and np.array_equal(g, where) and size > 1:
        fail(f"{_head(exc)}: every output is a whole number 0 .. {size * size - 1}, the POSITION of the window's "
             f"maximum inside the window (np.argmax), not its value: max-pooling keeps the largest value itself "
             f"(.max / np.max / np.maximum, not argmax)", "pool-argmax-not-max")


def _pool_part(head, g, xv, size, s, shape) -> None:
    """Every output the maximum of ONE row (or one column) of its window: the maximum was restarted (or never
    carried) across the rows (columns)."""
    windows = np.lib.stride_tricks.sliding_window_view(xv, (size, size), axis=(2, 3))[:, :, ::s, ::s]
    windows = windows[:, :, :shape[2], :shape[3]]
    if windows.shape[:4] != g.shape or size < 2:
        return
    for axis, label in ((-2, "row"), (-1, "column")):
        for u in range(size):
            part = np.take(windows, u, axis=axis).max(axis=-1)
            if core.close(g, part, 0, 0):
                which = "the last " if u == size - 1 else "the first " if u == 0 else ""
                fail(f"{head}: every output is the maximum of ONE {label} of its window, {which}{label} {u} "
                     f"(offset {u} inside the window), not of the whole size x size window: a running maximum "
                     f"restarted for each {label} (set again inside the loop over the {label}s) keeps only the "
                     f"last {label}'s; start it once, before the two "
                     f"loops (or take the maximum over both window axes at once, .max(axis=(-2, -1)))",
                     "pool-one-row-of-window" if label == "row" else "pool-one-column-of-window")


def _pool_global(head, g, xv, positions) -> None:
    """Every output of an (image, channel) is the same number, the largest (or the mean) of that channel's WHOLE
    input: a max over the spatial axes of x (global pooling) broadcast to the output size, not one per window."""
    if positions < 2 or g.ndim != 4:
        return
    flat = g.reshape(g.shape[0], g.shape[1], -1)
    if not np.all(flat == flat[:, :, :1]):
        return
    for name, value, how in (("max", xv.max(axis=(2, 3)), "x.max(axis=(2, 3))"),
                             ("mean", xv.mean(axis=(2, 3)), "x.mean(axis=(2, 3))")):
        if core.close(flat[:, :, 0], value, 1e-12, 1e-12):
            fail(f"{head}: every output of an image and channel is the same number, the {name} of that channel's "
                 f"WHOLE input ({how}, broadcast to the output size): that is global {name} pooling, over all of "
                 f"H and W at once; max-pooling takes one maximum per window, out[:, :, i, j] = the max of x[:, :, "
                 f"i*stride : i*stride + size, j*stride : j*stride + size]", f"pool-global-{name}")


def _pool_provenance(exc, got, want, x, size, s, fn=None):
    """The inputs are all different, so every output value says where in x it was taken: name the
    window the code really used (rows/columns relative to where window (i, j) starts, i*stride, j*stride)."""
    head = _head(exc)
    g, xv = np.asarray(got, _float64), np.asarray(x, _float64)
    n, c, ho, wo = want.shape
    _pool_global(head, g, xv, ho * wo)
    rows, cols, rows1, cols1 = set(), set(), set(), set()
    for a in range(n):
        for b in range(c):
            where = {v: divmod(k, xv.shape[3]) for k, v in enumerate(xv[a, b].ravel())}
            for i in range(ho):
                for j in range(wo):
                    hit = where.get(g[a, b, i, j])
                    if hit is None:
                        return               # a value not in x: computed, not selected
                    rows.add(hit[0] - i * s)
                    cols.add(hit[1] - j * s)
                    rows1.add(hit[0] - i)
                    cols1.add(hit[1] - j)

    def span(v):
        return f"{min(v)} .. {max(v)}"

    def inside(r, c):
        return min(r) >= 0 and min(c) >= 0 and max(r) < size and max(c) < size

    if inside(rows, cols) and (max(rows) < size - 1 or max(cols) < size - 1):
        fail(f"{head}: every output is an input value from offsets {span(rows)} (rows) and {span(cols)} (columns) of "
             f"its window, never from the window's last {'row' if max(rows) < size - 1 else 'column'}: the windows "
             f"are cut short; window (i, j) is x[:, :, i*stride : i*stride + size, j*stride : j*stride + size] "
             f"(the end of a slice is excluded)", "pool-window-short")
    if inside(rows, cols):
        if core.close(g, -_pool(-xv, size, s), 0, 0):
            fail(f"{head}: every output is the MINIMUM of its window: max-pooling keeps the largest value",
                 "pool-minimum")
        _pool_part(head, g, xv, size, s, want.shape)
        if fn is not None:
            _pool_two_offsets(fn, head, g, xv, size, s)
        _pool_offsets_never(head, g, want, xv, size, s)
        fail(f"{head}: every output is a value from inside its window, but not always the window's maximum: "
             f"take the largest of the size x size values of each window and channel", "pool-not-maximum")
    if s > 1 and rows <= set(range(0, size * s, s)) and cols <= set(range(0, size * s, s)) and \
            (max(rows) >= size or max(cols) >= size):
        fail(f"{head}: every output is an input value from offsets ({', '.join(map(str, sorted(rows)))}) of its window's "
             f"rows and ({', '.join(map(str, sorted(cols)))}) of its columns: every stride-th pixel, a window spread out "
             f"by the stride (x subsampled with ::stride before the windows were cut?); window (i, j) is the size x "
             f"size block of CONSECUTIVE pixels x[:, :, i*stride : i*stride + size, j*stride : j*stride + size]",
             "pool-window-dilated")
    if s > 1 and inside(rows1, cols1):
        fail(f"{head}: every output comes from the size x size block that starts at (i, j) of x: window (i, j) "
             f"starts at (i*stride, j*stride), the start is not multiplied by the stride", "pool-start-not-strided")
    fail(f"{head}: every output is an input value, taken from rows i*stride + ({span(rows)}) and columns j*stride + "
         f"({span(cols)}) of x, but window (i, j) covers offsets 0 .. {size - 1} from (i*stride, j*stride): the "
         f"windows are misplaced (a start not multiplied by the stride, or rows and columns mixed up?)",
         "pool-window-misplaced")


def _pool_corner_pairs(g, xv, size, s) -> set:
    """The pairs of window corners (named "first"/"last" row and column, so that windows of another size compare)
    whose elementwise maximum is every output exactly."""
    win = _np_windows(xv, size, s)
    last = size - 1
    corners = {("first", "first"): (0, 0), ("first", "last"): (0, last), ("last", "first"): (last, 0),
               ("last", "last"): (last, last)}
    names = sorted(corners)
    fits = set()
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            value = np.maximum(win[..., corners[a][0], corners[a][1]], win[..., corners[b][0], corners[b][1]])
            if value.shape == g.shape and np.array_equal(value, g):
                fits.add((a, b))
    return fits


def _np_windows(xv, size, s):
    return sliding_window_view(xv, (size, size), axis=(2, 3))[:, :, ::s, ::s]


def _pool_two_offsets(fn, head, g, xv, size, s) -> None:
    """Every output the larger of TWO fixed offsets of its window (a running maximum lost: each offset compared
    with the window's first entry, so only the last comparison survives): told only when a second call with another
    window size (3 where 2 was given, else 2) and other sizes fits the same two offsets, which tells it from offsets
    skipped by a loop range (size 3 has offsets a two-offset maximum leaves out and a late-starting loop keeps)."""
    fits = _pool_corner_pairs(g, xv, size, s)
    if not fits:
        return
    size2 = 3 if size != 3 else 2
    x2 = _distinct(core.rng("lab07.pool_two_offsets"), (2, 3, 3 * size2 + 1, 4 * size2 - 1), _float64)
    try:
        g2 = np.asarray(fn(x2.copy(), size2, size2), _float64)
    except Exception:
        return
    both = fits & _pool_corner_pairs(g2, x2, size2, size2)
    if not both:
        return
    a, b = sorted(both)[0]

    def say(c):
        return f"({c[0]} row, {c[1]} column)"

    lost = (a, b) == (("first", "first"), ("last", "last"))
    fail(f"{head}: every output is the larger of only TWO entries of its window, the ones at offsets {say(a)} and "
         f"{say(b)} (so for size {size} and for size {size2}, x of shape {x2.shape}): the other offsets never "
         f"decide"
         + (": the running maximum is lost: each offset is compared with the window's FIRST entry (top = "
            "np.maximum(window[..., 0, 0], window[..., u, v])), so only the last comparison survives; carry the "
            "maximum so far, top = np.maximum(top, window[..., u, v])" if lost else
            ": compare every offset (u, v), u and v in range(size), keeping the maximum so far"),
         "pool-two-offsets-only")


def _pool_offsets_never(head, g, want, xv, size, s) -> None:
    """Group the windows by the offset (u, v) of their maximum: right for every window whose maximum lies at some
    offsets and wrong for every window whose maximum lies at the others names the offsets the code never looks at."""
    right: dict[tuple, set] = {}
    ho, wo = want.shape[2:]
    for i in range(ho):
        for j in range(wo):
            win = xv[:, :, i * s:i * s + size, j * s:j * s + size].reshape(xv.shape[0], xv.shape[1], -1)
            ok = np.isclose(g[:, :, i, j], want[:, :, i, j], rtol=0, atol=0)
            for k, good in zip(win.argmax(axis=2).ravel(), ok.ravel()):
                right.setdefault(divmod(int(k), size), set()).add(bool(good))
    bad = sorted(o for o, v in right.items() if v == {False})
    if not bad or any(v == {False, True} for v in right.values()):
        return
    rows = sorted({u for u, _ in bad} - {u for (u, v), ok in right.items() if ok == {True}})
    cols = sorted({v for _, v in bad} - {v for (u, v), ok in right.items() if ok == {True}})
    fail(f"{head}: every output is a value from inside its window; it is the maximum for the windows whose maximum "
         f"lies at offsets {sorted(o for o, v in right.items() if v == {True})} (row, column) of the window and never "
         f"for those whose maximum lies at {bad}: those offsets are never compared"
         + (f" (rows {rows} of every window)" if rows and not cols else f" (columns {cols} of every window)"
            if cols and not rows else "")
         + ": a loop over the window's offsets that starts late or stops early (range(1, size) after starting from "
           "the window's (0, 0) entry skips the other offsets of row 0 and column 0); compare every offset (u, v), "
           "u and v in range(size)", "pool-offsets-never-compared")


def _pool_past_dout(results) -> None:
    """An IndexError whose index reached the size of dout along that axis, raised at a line reading dout: the loop
    over the output positions runs past dout (the number of positions, per axis, is dout's own size)."""
    for case, exc in results:
        if exc is None or "IndexError" not in str(exc):
            continue
        found = re.search(r"index (\d+) is out of bounds for axis (\d+) with size (\d+)", str(exc))
        line = core.raised_line(exc)       # the student's line that raised (not in the message's text)
        n, c, h, w, size, s, _dt = case
        shape = (n, c, (h - size) // s + 1, (w - size) // s + 1)
        if not found or "dout" not in line:
            continue
        index, axis, length = map(int, found.groups())
        # an index in range for dout's OTHER spatial axis may be i and j swapped: that reading stands
        if axis in (2, 3) and index == length == shape[axis] and index >= shape[5 - axis]:
            what = "rows" if axis == 2 else "columns"
            fail(f"{_raised_head(str(exc))}: dout has {length} {what} of output positions here (dout's shape is "
                 f"{shape}) and the loop reached index {index}: the loop over the output positions runs past dout. "
                 f"The number of positions is dout's own size, H_out, W_out = dout.shape[2:] ((H - size) // "
                 f"stride + 1 per axis), whatever the stride", "pool-loop-past-dout")


def _pool_slice_count(results) -> None:
    """A broadcast error between dout's (H_out, W_out) and a block of another spatial size, with the same (N, C),
    exactly as many positions as a strided slice u:u + size * H_out:stride holds: the slice's end computed with
    size where stride belongs (which raises only when windows overlap, so not the overwriting of overlaps)."""
    for case, exc in results:
        if exc is None or "could not be broadcast" not in str(exc):
            continue
        n, c, h, w, size, s, _dt = case
        ho, wo = (h - size) // s + 1, (w - size) // s + 1
        shapes = [tuple(int(v) for v in found.split(",") if v.strip())
                  for found in re.findall(r"\(([\d,\s]+)\)", str(exc).split("(called with")[0])]
        others = [sh for sh in shapes if len(sh) == 4 and sh[:2] == (n, c) and sh[2:] != (ho, wo)]
        if not others or not any(sh[2:] == (ho, wo) for sh in shapes):
            continue
        a, b = others[0][2:]
        rows = {-(-(size * ho - u) // s) for u in range(size)}
        cols = {-(-(size * wo - u) // s) for u in range(size)}
        if not (a in rows | {ho} and b in cols | {wo}):       # one axis or both ended with size
            continue
        fail(f"{_raised_head(str(exc))}: a strided slice has {a} x {b} positions where dout has H_out x W_out = "
             f"{ho} x {wo} (size {size}, stride {s}): the slice of the window offsets u::stride that goes with "
             f"dout must hold exactly H_out rows and W_out columns; a slice u:END:stride holds ceil((END - u) / "
             f"stride) of them, so END = u + stride * H_out (and v + stride * W_out), not u + size * H_out "
             f"(that end gives {a} x {b})",
             "pool-slice-count")


POOL_OVERLAP = ("dx is right where the pooling windows do not overlap and wrong where they do: an "
                "input that is the maximum of several windows receives the SUM of their gradients, "
                "not only the last one: `dx[...] = g` keeps only the last, and so does `dx[n, c, rows, cols] "
                "+= g` with integer-array indices (numpy buffers it: a repeated index is added once); add "
                "with += on slices, or with np.add.at(dx, (n, c, rows, cols), g), which adds every repeat")
POOL_STRIDE = ("dx is right for stride 1 and wrong for larger strides: window (i, j) starts at "
               "(i*stride, j*stride) of x, place its gradient there")


POOL_DEFAULT_STRIDE = ("dx is right only for stride 2, the default of maxpool2d_forward/backward's stride: the "
                       "stride argument is lost somewhere, so the default is used (a call such as "
                       "maxpool2d_forward(x, size) that leaves stride out, or a hard-coded 2): pass stride on")
POOL_PATTERNS = [
    (lambda c: c[5] != 2, POOL_DEFAULT_STRIDE, "pool-default-stride"),
    (lambda c: c[4] > c[5], POOL_OVERLAP, "pool-overlap-overwritten"),
    (lambda c: not _tiles(c), "dx is right only when the windows tile the image exactly (stride == size and H, W "
                              "multiples of size): window (i, j) starts at (i*stride, j*stride), partial windows "
                              "at the border are dropped and their pixels get 0", "pool-not-tiling"),
    (lambda c: c[5] > 1, POOL_STRIDE, "pool-stride-ignored"),
    (lambda c: np.dtype(c[6]) == np.float32, "right in float64 and wrong in float32: compute in the dtype of x",
     "float32-only-fails"),
]


#: Kernel-side driver: fills some freed memory of the outputs' sizes with ``marker`` before the call, so that an
#: array made with np.empty / np.empty_like inside it (never written where 0 belongs) shows the marker instead of
#: whatever memory held: the reading does not depend on chance.
_POISONED_CALL = '''
def poisoned_call(fn, marker, shapes, *args):
    import numpy as np
    junk = [np.full(shape, marker) for shape in shapes for _ in range(4)]
    del junk
    return fn(*args)
'''


#: Kernel-side probe: the names of the state a call changed (the function's attributes, its default arguments, the
#: non-callable globals its code names); None when the function cannot be inspected.
_STATE_CHANGED = '''
def state_changed(fn, *args):
    import numpy as np
    def value(v):
        try:
            a = np.asarray(v, dtype=float)
            return (a.shape, a.tobytes())
        except Exception:
            try:
                return repr(v)
            except Exception:
                return id(v)
    def snap():
        out = {}
        for k, v in vars(fn).items():
            out["attribute " + k] = value(v)
        for i, v in enumerate(fn.__defaults__ or ()):
            out["default argument %d" % i] = value(v)
        g = fn.__globals__
        for k in fn.__code__.co_names:
            if k in g and not callable(g[k]) and type(g[k]).__name__ != "module":
                out["global " + k] = value(g[k])
        return out
    try:
        before = snap()
    except Exception:
        return None
    fn(*args)
    after = snap()
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
'''


def _accumulated_between_calls(fn, args, index, a, b, array, name, context, poisoned=None) -> None:
    """Two results of the same inputs that differ: called twice more, each time right after memory was filled with
    yet another number (``poisoned(marker, copies)``; plain calls without it); when each call moves the result by
    the same nonzero amount whatever the memory held, the output is a total kept from the earlier calls (state
    between calls), not uninitialised memory (np.empty reusing a freed buffer also grows, but with the memory)."""
    try:
        outs = []
        for marker in (777.0, -4242.0):
            copies = [np.array(v) if isinstance(v, np.ndarray) else v for v in args]
            out = core.call(fn, *copies, name=name) if poisoned is None else poisoned(marker, copies)
            outs.append(np.asarray(out if index is None else tuple(out)[index], _float64))
    except (core.CheckFailure, TypeError, ValueError, IndexError):
        return
    c, d = outs
    step = b - a
    if c.shape == a.shape and d.shape == a.shape and np.any(step) and core.close(d - c, step, 1e-6, 1e-9) \
            and core.close(c - b, step, 1e-6, 1e-9):
        try:        # np.empty reusing the last call's freed buffer grows alike: told only when some state changed
            changed = core.kernel_functions(_STATE_CHANGED)["state_changed"](
                fn, *[np.array(v) if isinstance(v, np.ndarray) else v for v in args])
        except Exception:
            changed = None
        if changed is not None and not list(changed):
            return
        fail(f"{name} ({context}): called four times on the same inputs, {array} grows by the same amount at every "
             f"call: each call adds its result to a total kept from the earlier calls (state kept between calls: a "
             f"function attribute, a global or a mutable default argument); compute {array} from zeros in every "
             f"call, from this call's arguments only", f"{array}-accumulated-between-calls")


def _not_from_zeros(fn, args, shapes, zeros, name, context) -> None:
    """``fn(*args)`` called twice on fresh copies, each time right after memory of the ``shapes`` (float64 sizes)
    was filled with another number: an output (``zeros``: index in the returned tuple, or None for a single array ->
    (its name, mask of the entries to look at)) whose entries there change with that number holds uninitialised
    memory (np.empty / np.empty_like never wrote them): it must start from zeros.  Cheap: two calls."""
    try:
        run = core.kernel_functions(_POISONED_CALL)["poisoned_call"]
        outs = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with np.errstate(all="ignore"):
                for marker in (12345.0, -6789.0):       # fresh copies: an input changed in place is not memory
                    copies = [np.array(a) if isinstance(a, np.ndarray) else a for a in args]
                    outs.append(run(fn, marker, [tuple(sh) for sh in shapes], *copies))
    except Exception:   # a probe that fails says nothing
        return
    for index, (array, mask, where) in zeros.items():
        try:
            a, b = (np.asarray(o if index is None else o[index], _float64) for o in outs)
        except Exception:   # not a tuple, or not arrays: the cases say what is wrong
            return
        if a.shape != np.shape(mask) or b.shape != a.shape:
            continue
        changed = mask & ~((a == b) | (np.isnan(a) & np.isnan(b)))
        if changed.any():
            _accumulated_between_calls(fn, args, index, a, b, array, name, context, poisoned=lambda marker, copies:
                                       run(fn, marker, [tuple(sh) for sh in shapes], *copies))
            fail(f"{name} ({context}): {array} not started from zeros (np.empty?): {where}, but they hold whatever "
                 f"was in memory before the call (they change from run to run, so the result may even look right "
                 f"by chance, or overflow): np.empty / np.empty_like do NOT fill with zeros; start from "
                 f"np.zeros (np.zeros_like) and add the gradients in", f"{array}-not-from-zeros")


def maxpool2d_backward(maxpool2d_backward):
    r = core.rng("lab07.maxpool2d_backward")
    n, c, h, w, size, s, dt = POOL_CASES[0]
    x = _distinct(r, (n, c, h, w), dt)
    dout = r.normal(0, 1, _pool(x, size, s).shape).astype(dt)
    _not_from_zeros(maxpool2d_backward, (dout, x, size, s), [x.shape],
                    {None: ("dx", _pool_grad(dout, x, size, s) == 0,
                            "the entries of dx that no window's maximum reaches must be exactly 0")},
                    "maxpool2d_backward", _describe_pool(POOL_CASES[0]))
    r = core.rng("lab07.maxpool2d_backward")
    results = []
    for case in POOL_CASES:
        n, c, h, w, size, s, dt = case
        x = _distinct(r, (n, c, h, w), dt)
        want_out = _pool(x, size, s)
        dout = r.normal(0, 1, want_out.shape).astype(dt)
        context = _describe_pool(case)
        try:
            got = _call(maxpool2d_backward, (dout, x, size, s), "maxpool2d_backward", context,
                        want=lambda dout=dout, x=x, size=size, s=s: _pool_grad(dout, x, size, s))
            got = _expect(got, f"maxpool2d_backward ({context})", x.shape, dt, ("N", "C", "H", "W"),
                          want=lambda dout=dout, x=x, size=size, s=s: _pool_grad(dout, x, size, s))
        except core.CheckFailure as exc:
            if not _generic(exc) and "(it raised NotImplementedError)" not in str(exc):
                raise
            results.append((case, exc))
            continue
        want = _pool_grad(dout, x, size, s)
        tol = _tol(dt)
        if core.close(got, want, **tol):
            results.append((case, None))
            continue
        diagnoses = {
            "the gradient was sent to every position of the window: only the maximum of the "
            "window influenced the output, so only it receives dout (the others get 0)":
                lambda: _pool_grad(dout, x, size, s, route="all"),
            "this is the gradient of AVERAGE pooling (dout / size**2 everywhere): max-pooling sends "
            "dout to the position of the maximum only": lambda: _pool_grad(dout, x, size, s, route="mean"),
            "the row and column of the maximum are swapped: the flat index k of a size x size window "
            "is row k // size, column k % size": lambda: _pool_grad(dout, x, size, s, swap=True),
            f"each maximum received dout / size**2 = dout / {size * size} (average pooling's share): max-pooling "
            f"sends the WHOLE dout of a window to its maximum": lambda: _pool_grad(dout / (size * size), x, size, s),
            "the gradient went to the MINIMUM of every window (argmin where max-pooling needs argmax?): the "
            "output is the window's maximum, so its dout goes to the position of the maximum":
                lambda: _pool_grad(dout, -x, size, s),
            "dx marks the maxima with 1 (the mask of the maxima alone): each maximum receives its window's "
            "dout, dx = mask * dout (routed to where the maximum was), not the mask itself":
                lambda: _pool_grad(np.ones_like(dout), x, size, s),
            "dout was flipped spatially (dout[:, :, ::-1, ::-1], output position (i, j) read as (H_out-1-i, "
            "W_out-1-j)): window (i, j)'s maximum receives dout[:, :, i, j], nothing is flipped in a pooling "
            "backward": lambda: _pool_grad(np.ascontiguousarray(dout[:, :, ::-1, ::-1]), x, size, s)
            if dout.shape[2] * dout.shape[3] > 1 else want + np.nan,
        }
        if s > 1:
            diagnoses[POOL_STRIDE] = lambda: _pool_grad(dout, x, size, s, place=1)
        if 1 < s < size:    # the offsets inside a window looped over range(stride): the last size - stride lost
            # (stride 1 left out: range(1) is also a loop left after its first pass, an early return)
            for lim, which in (((s, size), "row offsets (u)"), ((size, s), "column offsets (v)"),
                               ((s, s), "row and column offsets (u and v)")):
                diagnoses[f"the windows whose maximum lies at {which} {s} .. {size - 1} of the window got no "
                          f"gradient at all: the loop over the {which} inside a window runs over range(stride) = "
                          f"range({s}) where range(size) = range({size}) belongs (a window is size x size; the "
                          f"stride only says where the next one starts)"] = \
                    lambda lim=lim: _pool_grad(dout, x, size, s, offsets=lim)
        for sz, st in sorted({(2, 2), (2, s), (size, 2)} - {(size, s)}):
            if _pool(x[:1, :1], sz, st).shape[2:] == dout.shape[2:]:
                diagnoses[f"dx sends each window's dout to the maximum of a {sz} x {sz} window (every {st} pixels) "
                          f"where size={size}, stride={s} were given: the maxima come from other pooling arguments "
                          f"(maxpool2d_forward(x), or a helper, called without size and stride uses the defaults "
                          f"2 and 2); pass size and stride on"] = lambda sz=sz, st=st: _pool_grad(dout, x, sz, st)
        for axis, along, other in ((2, "COLUMN", "rows"), (3, "ROW", "columns")):
            diagnoses[f"in every window the gradient went to the maximum of each {along} of the window ({size} "
                      f"positions), not to the one maximum of the whole window: the maximum is taken over the "
                      f"{other} only (axis {axis} of a window x[:, :, r:r + size, c:c + size]) where it belongs "
                      f"over both window axes (axis=(2, 3))"] = \
                lambda axis=axis: _pool_grad_one_axis(dout, x, size, s, axis)
        for message, value in diagnoses.items():
            if core.close(got, value(), **tol):
                fail(f"maxpool2d_backward ({context}): {message}", "pool-" + _diag_id(message.split(":")[0])[:40])
        analysis, diagnosis = core.analyse_difference(got, want, tol["rtol"], tol["atol"])
        g64 = np.asarray(got, _float64)
        if core.close(g64.sum(axis=(2, 3)), want.sum(axis=(2, 3)), **tol):   # where it went, not how much
            analysis += ("; the sum of dx over every (n, c) plane is right: the error is in where the values go within a plane, "
                         "not in how much arrives (a flat index or a position computed with another row length or "
                         "stride?)")
        results.append((case, core.differs(got, want, f"maxpool2d_backward ({context}): dx has wrong values: "
                                           f"{analysis}", diagnosis, name=f"maxpool2d_backward ({context}): dx",
                                           rtol=tol["rtol"], atol=tol["atol"])))
    _pool_sweep(maxpool2d_backward, results, forward=False)
    _raises_by_option(results, "maxpool2d_backward", POOL_OPTIONS, POOL_RULE)
    failed = [case for case, exc in results if exc is not None and _generic(exc)
              and not str(exc.diagnosis).startswith("raised")]
    if failed and failed[0][6] == _float64:
        n, c, h, w, size, s, dt = case = failed[0]
        q = core.rng("lab07.maxpool2d_backward.precision")
        x = _distinct(q, (n, c, h, w), dt)
        said = _float32_inside(maxpool2d_backward, "maxpool2d_backward", _describe_pool(case),
                               (q.normal(0, 1, _pool(x, size, s).shape), x, size, s), _pool_grad)
        if said is not None:
            raise said
    try:
        _report(results, POOL_PATTERNS, square=(lambda case: _attempt(lambda: _pool_backward_plain(
            maxpool2d_backward, r, case)), POOL_SQUARE_CASES, "maxpool2d_backward"))
    except core.CheckFailure as exc:
        if _generic(exc) or str(exc.diagnosis).endswith("-raises"):
            _dout_axes_mixed(maxpool2d_backward, "maxpool2d_backward", exc)
        if exc.diagnosis == "pool-overlap-overwritten-raises":
            _pool_slice_count(results)
        _foreign_shape(results, "maxpool2d_backward")
        _pool_past_dout(results)
        if _generic(exc) and not str(exc.diagnosis).startswith("raised"):
            n, c, h, w, size, s = 2, 3, 6, 8, 2, 2
            x = _distinct(r, (n, c, h, w), _float64)
            _linearity_probe(lambda d: maxpool2d_backward(d, x, size, s), lambda d: _pool_grad(d, x, size, s),
                             r.normal(0, 1, _pool(x, size, s).shape), _head(exc), "dx")
            _pool_dout_probe(maxpool2d_backward, exc, r)
        _pool_unravel_probe(maxpool2d_backward, r)
        _pool_mixing_probe(maxpool2d_backward, exc, r)
        if _generic(exc) and not str(exc.diagnosis).startswith("raised"):
            _pool_offsets_probe(maxpool2d_backward, exc, r)
            for case in POOL_CASES[:4]:
                n, c, h, w, size, s, dt = case
                x = _distinct(r, (n, c, h, w), _float64)
                found = _positions_probe(lambda d, x_, _w, size=size, s=s: maxpool2d_backward(d, x_, size, s),
                                         lambda d, x_, _w, size=size, s=s: _pool_grad(d, x_, size, s),
                                         (x, None), _pool(x, size, s).shape[2:], r)
                if found:
                    fail(f"{_head(exc)}: {found}", "output-positions-skipped")
        raise
    n, c, h, w, size, s, dt = case = POOL_CASES[3]
    calls = []
    for _ in range(2):
        x = _distinct(r, (n, c, h, w), dt)
        calls.append((r.normal(0, 1, _pool(x, size, s).shape).astype(dt), x, size, s))
    _call(maxpool2d_backward, calls[0], "maxpool2d_backward", _describe_pool(case))
    _same_shapes_again(maxpool2d_backward, "maxpool2d_backward", _describe_pool(case), calls[0], calls[1],
                       _pool_grad, ("dx",), {0: "dout", 1: "x"})
    _defaults(maxpool2d_backward, "maxpool2d_backward", (r.normal(0, 1, (2, 3, 3, 4)), _distinct(r, (2, 3, 7, 9), _float64)),
              (("size", 2), ("stride", 2)), _pool_grad, _same_arrays, "x of shape (2, 3, 7, 9)")
    _pool_negative_bwd(maxpool2d_backward, r)
    _pool_ties(maxpool2d_backward, r)
    _pool_near_ties(maxpool2d_backward, r)
    _pool_mixed_dtypes(maxpool2d_backward, r)
    _pool_signed(maxpool2d_backward, r)
    k = core.rng("lab07.maxpool2d_backward.kept")
    n, c, h, w, size, s, dt = case = POOL_CASES[3]
    twice = []
    for _ in range(2):
        x = _distinct(k, (n, c, h, w), dt)
        twice.append((k.normal(0, 1, _pool(x, size, s).shape).astype(dt), x, size, s))
    _results_kept(maxpool2d_backward, "maxpool2d_backward", _describe_pool(case), *twice, ("dx",))
    _layout_free(maxpool2d_backward, "maxpool2d_backward", _describe_pool(case), twice[1],
                 lambda d, x, size, s: _pool_grad(d, x, size, s), ("dx",), {0: "dout", 1: "x"})
    _after_change(maxpool2d_backward, "maxpool2d_backward", _describe_pool(case), twice[0],
                  lambda d, x, size, s: _pool_grad(d, x, size, s), ("dx",), {0: "dout", 1: "x"}, k)


def _pool_backward_plain(maxpool2d_backward, r, case) -> None:
    """One maxpool2d_backward case graded plainly (a wrong shape or values fail), for the probes after a failure."""
    n, c, h, w, size, s, dt = case
    x = _distinct(r, (n, c, h, w), dt)
    want_out = _pool(x, size, s)
    dout = r.normal(0, 1, want_out.shape).astype(dt)
    context = _describe_pool(case)
    got = _expect(_call(maxpool2d_backward, (dout, x, size, s), "maxpool2d_backward", context),
                  f"maxpool2d_backward ({context})", x.shape, dt, ("N", "C", "H", "W"))
    expect_close(got, _pool_grad(dout, x, size, s), name=f"maxpool2d_backward ({context})", **_tol(dt))


def _signed(r, shape):
    """Distinct values of both signs, symmetric about 0 (activations before a ReLU, a normalised image): in about
    half the windows the entry of largest MAGNITUDE is negative, so it is not the maximum."""
    size = int(np.prod(shape))
    return ((r.permutation(size) - (size - 1) / 2) / 7.0).reshape(shape)


def _pool_signed(maxpool2d_backward, r):
    """dx for x of both signs, on two pairwise different shapes and window sizes: dout goes to each window's largest
    VALUE.  A dx that sends it to the largest magnitude (np.abs used to find the maximum) on both is told so."""
    fits, first = [], None
    for n, c, h, w, size, s in ((2, 3, 6, 8, 2, 2), (3, 2, 9, 7, 3, 2)):
        x = _signed(r, (n, c, h, w))
        dout = r.normal(0, 1, _pool(x, size, s).shape)
        context = f"x of shape {(n, c, h, w)} with values of both signs, size {size}, stride {s}"
        got = _call(maxpool2d_backward, (dout, x, size, s), "maxpool2d_backward", context)
        got = _expect(got, f"maxpool2d_backward ({context})", x.shape, _float64, ("N", "C", "H", "W"))
        want = _pool_grad(dout, x, size, s)
        if core.close(got, want, 1e-9, 1e-12):
            continue
        first = first or (got, want, context)
        fits.append(core.close(got, _pool_grad(dout, np.abs(x), size, s), 1e-9, 1e-12))
    if first is None:
        return
    got, want, context = first
    if len(fits) == 2 and all(fits):
        fail(f"maxpool2d_backward ({context}): dout went to the entry of largest MAGNITUDE of each window (the "
             f"maximum of |x|: np.abs used to find it), and so on a second shape: max-pooling's output is each "
             f"window's largest VALUE, so its gradient goes there (of -3 and 0.5 it is 0.5); the argmax of the "
             f"window of x itself, without abs", "pool-grad-to-largest-magnitude")
    expect_close(got, want, name=f"maxpool2d_backward ({context}): dx (right for the earlier x, mostly positive)",
                 rtol=1e-9, atol=1e-12)


def _pool_mixed_dtypes(maxpool2d_backward, r):
    """dx has the dtype of x, as the docstring says, also when dout comes in another dtype (a float64 loss
    gradient reaching a float32 network, or the reverse): a buffer made from dout's dtype gives dout's."""
    for x_dt, d_dt in ((np.float32, _float64), (_float64, np.float32)):
        n, c, h, w, size, s = 2, 3, 6, 8, 2, 2
        x = _distinct(r, (n, c, h, w), x_dt)
        dout = r.normal(0, 1, _pool(x, size, s).shape).astype(d_dt)
        context = (f"x of shape {(n, c, h, w)} in {np.dtype(x_dt)}, dout in {np.dtype(d_dt)}, size {size}, "
                   f"stride {s}")
        got = _call(maxpool2d_backward, (dout, x, size, s), "maxpool2d_backward", context)
        got = expect_array(got, name=f"maxpool2d_backward ({context})", shape=x.shape, dtype=None)
        if got.dtype != np.dtype(x_dt):
            fail(f"maxpool2d_backward ({context}) returned dx in {got.dtype}: dx has the dtype of x ({np.dtype(x_dt)}), "
                 f"as the docstring says, whatever the dtype of dout: "
                 f"{'it takes the dtype of dout' if got.dtype == np.dtype(d_dt) else 'neither that of x nor that of dout'}"
                 f" (a buffer made with dout's dtype, np.zeros(x.shape, dout.dtype) or np.zeros_like(dout, ...)?); "
                 f"create dx with np.zeros_like(x)", "pool-dx-dtype-of-dout")
        expect_close(got, _pool_grad(dout.astype(_float64), x.astype(_float64), size, s),
                     name=f"maxpool2d_backward ({context}): dx", **_tol(np.float32))


def _pool_grad_one_axis(dout, x, size, s, axis):
    """Max-pool backward with each window's maximum taken along ONE window axis only (keepdims): every column
    (axis 2) or row (axis 3) of a window sends dout to its own maximum."""
    xv = np.asarray(x, _float64)
    dx = np.zeros_like(xv)
    ho, wo = dout.shape[2:]
    for i in range(ho):
        for j in range(wo):
            win = xv[:, :, i * s:i * s + size, j * s:j * s + size]
            mask = win == win.max(axis=axis, keepdims=True)
            dx[:, :, i * s:i * s + size, j * s:j * s + size] += mask * np.asarray(dout, _float64)[:, :, i, j][:, :, None, None]
    return dx


def _scaling_probe(conv2d_backward, k, cases, r, head) -> None:
    """dx is linear in w (dx = col2im(w_matrix.T @ dout_matrix)), dw linear in x: doubling that input doubles the
    result. Asked on two cases of different sizes: the factor the student's result changes by when the input is
    doubled is told only when both cases give the same one, and it is not 2."""
    label, source, index = (("dx", "w", 2), ("dw", "x", 1))[k]
    factors = []
    for case in cases:
        x, wt, _b = _conv_inputs(r, case)
        x, wt = x.astype(_float64), wt.astype(_float64)
        dout = r.normal(0, 1, (case[0], case[4], *_out_size(case)))
        args = [dout, x, wt, case[7], case[8]]
        doubled = list(args)
        doubled[index] = 2 * args[index]
        try:
            one = np.asarray(tuple(conv2d_backward(*args))[k], _float64)
            two = np.asarray(tuple(conv2d_backward(*doubled))[k], _float64)
        except Exception:       # the student's code: any failure means no reading
            return
        if one.shape != two.shape or not (np.isfinite(one).all() and np.isfinite(two).all()) or not np.abs(one).max() > 0:
            return
        c = float(np.sum(one * two) / np.sum(one * one))
        if not core.close(two, c * one, 1e-7, 1e-10):
            return
        factors.append(c)
    if len(factors) < 2 or abs(factors[0] - factors[1]) > 1e-6 * max(1.0, abs(factors[0])) or \
            abs(factors[0] - 2) < 1e-6:
        return
    c = factors[0]
    inverse = (f": {label} scales as 1 / {source} (a division by {source}, or an inverse of the kernel matrix such "
               f"as np.linalg.pinv / inv / solve: backpropagation multiplies by the TRANSPOSE, w.reshape(C_out, -1).T "
               f"@ dout_matrix, it does not invert the forward)" if abs(c - 0.5) < 1e-6 else "")
    change = ("stays the same" if abs(c - 1) < 1e-6 else f"changes by a factor {c:.4g}")
    same = (f" (a division by a norm, sum or maximum of {source}?)" if abs(c - 1) < 1e-6 else "")
    fail(f"{head}: when {source} is doubled your {label} {change} (the same on two cases of different sizes), where "
         f"it must double: {label} is linear in {source}{inverse}{same}", f"{label}-not-linear-in-"
         f"{source}")


def _linearity_probe(student, oracle, dout, head, label) -> None:
    """A backward is linear in dout. The student's result for dout, for |dout| and for -dout: right where every
    entry of dout is positive and wrong once some are negative names what happens to the negative ones (dropped:
    a ReLU mask dout > 0 borrowed; or their sign lost); otherwise dx(-dout) != -dx(dout) is said as the property
    that failed. ``student(d)`` may raise (a CheckFailure): then nothing is said."""
    dout = np.asarray(dout, _float64)
    try:
        got = [np.asarray(student(d), _float64) for d in (dout, np.abs(dout), -dout)]
    except (core.CheckFailure, TypeError, ValueError):
        return
    want = oracle(dout)
    if any(g.shape != want.shape or not np.isfinite(g).all() for g in got) or core.close(got[0], want, 1e-9, 1e-12):
        return
    if not core.close(got[1], oracle(np.abs(dout)), 1e-9, 1e-12):
        return          # wrong for a positive dout too: not a question of its sign
    for reading, value in (("the entries where dout is NEGATIVE send nothing back (a mask dout > 0, as in ReLU's "
                            "backward, a max(dout, 0), or np.maximum(dx[...], ...) combining each window's share into "
                            "dx where += belongs: the shares ADD up, overlapping windows included): every entry of "
                            "dout is routed, whatever its sign",
                            oracle(np.maximum(dout, 0))),
                           ("the sign of dout is lost (abs, or a square root of a square): every entry of dout is "
                            "routed with its own sign", oracle(np.abs(dout)))):
        if core.close(got[0], value, 1e-9, 1e-12):
            fail(f"{head}: your {label} is right when every entry of dout is positive and wrong once some are "
                 f"negative: {reading}; a backward is linear in dout ({label} for -dout is minus {label} for dout)",
                 "backward-not-linear-" + ("negative-dropped" if "NEGATIVE" in reading else "sign-lost"))
    if not core.close(got[2], -got[0], 1e-9, 1e-12):
        fail(f"{head}: your {label} is right when every entry of dout is positive and wrong once some are negative: "
             f"your backward is not linear in dout ({label} for -dout is not minus {label} for dout): something "
             f"depends on the sign of dout (a mask, a max, an abs); the rule routes every entry of dout with its "
             f"sign", "backward-not-linear")


def _pool_dout_probe(maxpool2d_backward, exc, r):
    """dx wrong for a random dout but right when dout holds the window maxima themselves (the forward output):
    the code compares the windows with dout where their maxima belong (two quantities mixed up)."""
    n, c, h, w, size, s = 2, 3, 6, 8, 2, 2
    x = _distinct(r, (n, c, h, w), _float64)
    top = _pool(x, size, s)
    try:
        got = np.asarray(_call(maxpool2d_backward, (top.copy(), x, size, s), "maxpool2d_backward", "probe"), _float64)
    except core.CheckFailure:
        return
    if not (got.shape == x.shape and core.close(got, _pool_grad(top, x, size, s), 1e-9, 1e-12)):
        return
    # Right when dout = top: dout and top are mixed up somewhere. A random dout (never equal to a window's entries)
    # tells where: dx = the maxima routed (whatever dout is) or dx = 0 (no entry equals dout).
    dout = r.normal(0, 1, top.shape)
    try:
        again = np.asarray(_call(maxpool2d_backward, (dout, x, size, s), "maxpool2d_backward", "probe"), _float64)
    except core.CheckFailure:
        again = None
    head = (f"{_head(exc)}: your dx is right when dout happens to hold the window maxima themselves (dout = "
            f"maxpool2d_forward(x)) and wrong otherwise")
    if again is not None and again.shape == x.shape and core.close(again, _pool_grad(top, x, size, s), 1e-9, 1e-12):
        fail(f"{head}: with any dout your dx holds each window's MAXIMUM at its place (the same dx whatever dout is): "
             f"the value routed is top where it must be dout (mask = window == top; dx[window] += mask * dout[i, j])",
             "pool-routes-top")
    if again is not None and again.shape == x.shape and not again.any():
        fail(f"{head}: with a random dout your dx is all zeros: the code compares the windows with dout where it "
             f"must compare them with their maxima (top = the max of each window; mask = window == top; then route "
             f"dout)", "pool-compares-with-dout")
    fail(f"{head}: dout and the window maxima (top) are mixed up somewhere: top decides WHERE the gradient goes "
         f"(mask = window == top), dout is WHAT goes there", "pool-dout-top-mixed")


def _pool_mixing_probe(maxpool2d_backward, exc, r):
    """dx for one image with one channel, then several images, then several channels: right for the first and
    wrong for the others means windows of different samples (or channels) are compared with each other."""
    size, s = 2, 2

    dropped = []        # per wrong run: every wrong window got nothing at all (where the rule routes dout)

    def right(n, c):
        x = _distinct(r, (n, c, 6, 8), _float64)
        dout = r.normal(0, 1, _pool(x, size, s).shape)
        try:
            got = np.asarray(core.call(maxpool2d_backward, dout, x, size, s, name="maxpool2d_backward"), _float64)
        except Exception:
            return None
        want = _pool_grad(dout, x, size, s)
        ok = got.shape == x.shape and core.close(got, want, 1e-6, 1e-8)
        if not ok and got.shape == x.shape:
            bad = ~np.isclose(got, want, rtol=1e-6, atol=1e-8)
            # windows served at one position (size = stride = 2 tile the 6 x 8 input): a maximum taken across the
            # images / channels serves one window per position; state shared by them can serve several
            served = np.any(got.reshape(n, c, 3, 2, 4, 2) != 0, axis=(3, 5)).sum(axis=(0, 1))
            dropped.append(bool(np.all(got[bad] == 0)) and int(served.max()) > 1)
        return ok
    if not right(1, 1):
        return
    samples, channels = right(3, 1), right(1, 3)
    what = ("images and channels" if samples is False and channels is False else "images" if samples is False
            else "channels" if channels is False else None)
    if what and dropped and all(dropped):
        fail(f"{_head(exc)}: dx is right for one image with one channel, and as soon as there are several {what} "
             f"some windows get NO gradient at all (dx is 0 over the whole window where the rule routes dout to its "
             f"maximum): state kept per window position only, shared by the windows at the same position of every "
             f"{what[:-1].replace('s and ', ' and every ')}, stops them (a flag such as 'this window's maximum has been "
             f"served' of shape (H_out, W_out), reduced over the images and channels with any() or max()); keep it "
             f"per window, of shape (N, C, H_out, W_out)", "pool-window-state-shared-across-" + what.replace(" ", "-"))
    if what:
        fail(f"{_head(exc)}: dx is right for one image with one channel and wrong as soon as there are several "
             f"{what}: the maximum of a window must be found per image and per channel (a max over the window's "
             f"own axes only, e.g. window.max(axis=(2, 3), keepdims=True)); a max over the whole array compares the "
             f"window with the windows of other {what}", "pool-max-across-" + what.replace(" ", "-"))


def _pool_unravel_probe(maxpool2d_backward, r):
    """Windows with gaps between them (stride > size), where unravelling a window's flat argmax k with the
    stride instead of the size stays inside the image: a mistake there shows as values, not as an IndexError."""
    for size, s in ((2, 3), (3, 4)):
        x = _distinct(r, (2, 3, 11, 13), _float64)
        dout = r.normal(0, 1, _pool(x, size, s).shape)
        try:
            got = np.asarray(core.call(maxpool2d_backward, dout, x, size, s, name="maxpool2d_backward"),
                             dtype=_float64)
        except Exception:
            return
        if got.shape != x.shape or core.close(got, _pool_grad(dout, x, size, s), 1e-6, 1e-8):
            return
        if not core.close(got, _pool_grad(dout, x, size, s, unravel=s), 1e-6, 1e-8):
            return
    fail("maxpool2d_backward: the flat index k of a window's maximum is unravelled with the stride: in a size x "
         "size window, k is at row k // size and column k % size (np.unravel_index(k, (size, size))), whatever "
         "the stride (windows with gaps between them, stride > size, confirm it)", "pool-unravel-by-stride")


def _pool_ignores_x(maxpool2d_backward, head, got, dout, x, size, r) -> None:
    """Which input the result ignores: the same dout with ANOTHER x (same shape, the maxima elsewhere). The rule's dx
    moves with the maxima; a dx that stays put never looked at x's values (where its gradient goes then says more)."""
    other = _distinct(r, x.shape, _float64)
    if core.close(_pool_grad(dout, other, size, size), _pool_grad(dout, x, size, size), 1e-6, 1e-8):
        return
    try:
        again = np.asarray(core.call(maxpool2d_backward, dout, other, size, size, name="maxpool2d_backward"), _float64)
    except Exception:
        return
    if again.shape != got.shape or not core.close(again, got, 1e-12, 1e-12):
        return
    if not got.any() and np.asarray(dout).any():
        failure = core.CheckFailure(
            f"{head}: dx is all zeros (for this x and for another): no window's dout reached any position, so the "
            f"test that marks each window's maximum is never true: compare each window of x with its own maximum "
            f"(window == top, or np.argmax), and if that mask also leaves out windows already handled (a `taken` "
            f"flag for ties), compute the mask BEFORE updating the flag it reads", "pool-nothing-routed")
        # The same call on windows with TIED maxima goes with the failure: a one-change story must fix it too
        # (deleting the line that updates such a flag fits inputs without ties and sends dout to every tie).
        tied_x = r.integers(0, 2, x.shape).astype(_float64)
        try:
            tied = core.call(maxpool2d_backward, dout, tied_x, size, size, name="maxpool2d_backward")
            failure.others = [core.Compared(tied, _pool_grad(dout, tied_x, size, size), 1e-9, 1e-12,
                                            "maxpool2d_backward (tied maxima): dx")]
        except core.CheckFailure:
            pass
        raise failure
    corner = np.zeros_like(got)
    corner[:, :, :dout.shape[2] * size:size, :dout.shape[3] * size:size] = dout
    where = (" every window's gradient goes to its top-left pixel (offset (0, 0)): the first position of a "
             "window of equal values, as np.argmax returns for the zeros of the dx buffer being filled;"
             if core.close(got, corner, 1e-12, 1e-12) else "")
    fail(f"{head}: dx does not depend on the values of x (another x with its maxima elsewhere gives the same dx):"
         f"{where} the position of each window's maximum must be found in the window of x itself (x[:, :, "
         f"i*stride:i*stride + size, j*stride:j*stride + size]), not in dx or another array", "pool-ignores-x")


_CORNERS = ("first", "last")


def _corner_pair_grads(dout, x, size) -> dict:
    """For tiling windows (stride == size): each pair of window corners (named by first/last row and column) -> dx
    with every window's dout sent to the LARGER of those two corners."""
    last = size - 1
    where = {(a, b): (0 if a == "first" else last, 0 if b == "first" else last) for a in _CORNERS for b in _CORNERS}
    names = sorted(where)
    rows = np.arange(x.shape[2]) % size
    cols = np.arange(x.shape[3]) % size
    out = {}
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            mask = np.zeros(x.shape[2:], dtype=bool)
            for u, v in (where[a], where[b]):
                mask |= (rows[:, None] == u) & (cols[None, :] == v)
            out[(a, b)] = _pool_grad(dout, np.where(mask, x, -np.inf), size, size)
    return out


def _pool_two_offsets_backward(maxpool2d_backward, head, got, dout, x, size) -> None:
    """The backward's form of _pool_two_offsets: every window's dout sent to the larger of TWO fixed corners of the
    window (the maximum located by a running maximum that was lost), confirmed by a second call with windows of
    another size (3, or 2 where 3 was given) and other sizes."""
    fits = {k for k, v in _corner_pair_grads(dout, x, size).items() if core.close(got, v, 1e-9, 1e-12)}
    if not fits:
        return
    size2 = 3 if size != 3 else 2
    r = core.rng("lab07.pool_two_offsets_backward")
    x2 = _distinct(r, (2, 3, 3 * size2, 4 * size2), _float64)
    dout2 = r.normal(0, 1, (2, 3, 3, 4))
    try:
        got2 = np.asarray(core.call(maxpool2d_backward, dout2, x2, size2, size2, name="maxpool2d_backward"), _float64)
    except Exception:
        return
    if got2.shape != x2.shape:
        return
    both = {k for k in fits if core.close(got2, _corner_pair_grads(dout2, x2, size2)[k], 1e-9, 1e-12)}
    if not both:
        return
    a, b = sorted(both)[0]
    lost = (a, b) == (("first", "first"), ("last", "last"))
    fail(f"{head}: dx sends every window's dout to the larger of only TWO entries of the window, those at offsets "
         f"({a[0]} row, {a[1]} column) and ({b[0]} row, {b[1]} column) (so for size {size} and for size {size2}, x of "
         f"shape {x2.shape}): the maximum used to route the gradient is not the window's maximum"
         + (": the running maximum is lost: each offset is compared with the window's FIRST entry (top = "
            "np.maximum(window[..., 0, 0], window[..., u, v])), so only the last comparison survives; carry the "
            "maximum so far, top = np.maximum(top, window[..., u, v])" if lost else
            ": compare every offset (u, v), u and v in range(size), keeping the maximum so far"),
         "pool-two-offsets-only")


def _pool_offsets_probe(maxpool2d_backward, exc, r):
    """Windows that tile the image, each with a unique maximum: group the windows by WHERE in the window
    their maximum lies; right for some offsets and wrong for all the others names a loop over the window
    offsets that stops early, or an offset computed wrongly."""
    head = _head(exc)
    n, c, h, w, size = 3, 2, 8, 6, 2
    x = _distinct(r, (n, c, h, w), _float64)
    dout = r.normal(0, 1, (n, c, h // size, w // size))
    try:
        got = np.asarray(core.call(maxpool2d_backward, dout, x, size, size, name="maxpool2d_backward"), _float64)
    except Exception:
        return
    if got.shape != x.shape:
        return
    want = _pool_grad(dout, x, size, size)
    _pool_ignores_x(maxpool2d_backward, head, got, dout, x, size, r)
    right: dict[tuple, list[bool]] = {}
    for i in range(h // size):
        for j in range(w // size):
            win = x[:, :, i * size:(i + 1) * size, j * size:(j + 1) * size].reshape(n, c, -1)
            k = win.argmax(axis=2)
            ok = np.isclose(got[:, :, i * size:(i + 1) * size, j * size:(j + 1) * size],
                            want[:, :, i * size:(i + 1) * size, j * size:(j + 1) * size], 1e-6, 1e-8).all(axis=(2, 3))
            for kk, good in zip(k.ravel(), ok.ravel()):
                right.setdefault(divmod(int(kk), size), []).append(bool(good))
    good = sorted(o for o, v in right.items() if all(v))
    bad = sorted(o for o, v in right.items() if not any(v))
    if good and bad and len(good) + len(bad) == len(right):
        _pool_two_offsets_backward(maxpool2d_backward, head, got, dout, x, size)
        fail(f"{head}: dx is right for the windows whose maximum lies at offsets {good} (row, column) of the window "
             f"and wrong for those whose maximum lies at {bad}: the gradient must reach the maximum wherever it "
             f"is in the window; a loop over the window offsets that stops early (a return or break inside it?), "
             f"or an offset computed wrongly", "pool-offsets-missed")


def _pool_ties(maxpool2d_backward, r):
    """Windows whose maximum is tied (after a ReLU, all-zero windows are common): the whole
    gradient goes to ONE of the tied positions (which one is a convention: np.argmax and
    PyTorch take the first)."""
    for n, c, h, w, size in [(2, 3, 6, 8, 2), (3, 2, 9, 6, 3)]:
        x = r.integers(0, 2, (n, c, h, w)).astype(_float64)
        x[0, 0, :size, :size] = 0.0                      # an all-zero window, as after a ReLU
        x[-1, -1, :size, size:2 * size] = 1.0            # a window tied at its maximum 1
        ho, wo = h // size, w // size
        dout = r.choice([-1.0, 1.0], (n, c, ho, wo)) * r.uniform(0.5, 2.0, (n, c, ho, wo))
        context = f"x of shape {(n, c, h, w)} with tied maxima, size {size}, stride {size}"
        got = _call(maxpool2d_backward, (dout, x, size, size), "maxpool2d_backward", context)
        got = expect_array(got, name=f"maxpool2d_backward ({context})", shape=x.shape)
        for i in range(ho):
            for j in range(wo):
                win_x = x[:, :, i * size:(i + 1) * size, j * size:(j + 1) * size].reshape(n, c, -1)
                win_g = np.asarray(got[:, :, i * size:(i + 1) * size, j * size:(j + 1) * size],
                                   _float64).reshape(n, c, -1)
                is_max = win_x == win_x.max(axis=2, keepdims=True)
                nonzero = np.abs(win_g) > 1e-12
                if (nonzero & ~is_max).any():
                    fail(f"maxpool2d_backward ({context}): a gradient reached a position that is not "
                         f"a maximum of its window", "pool-tie-not-maximum")
                if (nonzero.sum(axis=2) > 1).any():
                    a, b = np.argwhere(nonzero.sum(axis=2) > 1)[0]
                    k, m = int(nonzero[a, b].sum()), int(is_max[a, b].sum())
                    vals, g = win_g[a, b][nonzero[a, b]], float(dout[a, b, i, j])
                    split = core.close(vals.sum(), g, 1e-9, 1e-12)
                    how = (" (split between them)" if split else ", each receiving the full dout"
                           if core.close(vals, np.full(k, g), 1e-9, 1e-12) else "")
                    fail(f"maxpool2d_backward ({context}): in a window where {m} entries tie for the maximum, the "
                         f"gradient went to {f'all {m} tied maxima' if k == m else f'{k} of the {m} tied maxima'}"
                         f"{how}; the lab's convention sends the whole dout to ONE of them (np.argmax and PyTorch "
                         f"pick the first)", "pool-tie-all-maxima")
                if not core.close(win_g.sum(axis=2), dout[:, :, i, j], 1e-9, 1e-12):
                    fail(f"maxpool2d_backward ({context}): the gradient of a window whose maximum "
                         f"is tied was lost or scaled: the whole dout of the window goes to one of "
                         f"its maxima", "pool-tie-lost")


def _near_tied(r, gap):
    """x (2, 3, 6, 8) whose 2 x 2 windows hold their maximum at the last offset and a runner-up ``gap`` (relative)
    below it at the first; dout of the pooled shape; the right dx; dx with every dout sent to the runner-up."""
    n, c, h, w, size = 2, 3, 6, 8, 2
    x = _distinct(r, (n, c, h, w), _float64)
    ho, wo = h // size, w // size
    for i in range(ho):
        for j in range(wo):
            win = x[:, :, i * size:(i + 1) * size, j * size:(j + 1) * size]
            top = win.max(axis=(2, 3)) + 0.5                 # above every other entry of the window
            win[:, :, -1, -1] = top
            win[:, :, 0, 0] = top - gap * (1 + np.abs(top))
    dout = r.choice([-1.0, 1.0], (n, c, ho, wo)) * r.uniform(0.5, 2.0, (n, c, ho, wo))
    to_first = np.zeros_like(x)
    to_first[:, :, ::size, ::size] = dout
    return x, dout, _pool_grad(dout, x, size, size), to_first


def _pool_near_ties(maxpool2d_backward, r):
    """Windows whose two largest entries differ by a relative 1e-12 (not a tie: float64 tells them apart), the
    runner-up at the window's first offset and the maximum at its last: the whole dout goes to the maximum.  Code
    that sends it to the runner-up has one of three causes, told apart by two more calls: a relative gap of 3e-6,
    which float32 still resolves (its precision is about 1e-7) while a tolerance such as np.isclose's (rtol 1e-5)
    does not, and the first windows scaled by 2**27 (exactly: about 1.3e8, the same relative gap, an absolute gap of 1e-4 or more), which
    an offset added to x (a tie-breaking ramp x - 1e-9 * index, noise) no longer flips while float32 still merges:
    right at 3e-6 and wrong scaled -> float32; tied at 3e-6 -> a tolerance; right at 3e-6 and scaled -> an
    absolute perturbation of x; anything else -> none is told."""
    size = 2
    x, dout, want, to_first = _near_tied(r, 1e-12)
    context = f"x of shape {x.shape}, size {size}, stride {size}, near-tied maxima"
    got = _call(maxpool2d_backward, (dout, x, size, size), "maxpool2d_backward", context)
    got = expect_array(got, name=f"maxpool2d_backward ({context})", shape=x.shape)
    if core.close(got, want, 1e-9, 1e-12):
        return
    blocks = lambda a: a.reshape(a.shape[0], a.shape[1], a.shape[2] // size, size, a.shape[3] // size, size)
    right = np.isclose(blocks(got), blocks(want), rtol=1e-9, atol=1e-12).all(axis=(3, 5))
    runner = np.isclose(blocks(got), blocks(to_first), rtol=1e-9, atol=1e-12).all(axis=(3, 5))
    mixed = bool((right | runner).all() and runner.any())       # every window right or sent to its runner-up
    some = "every window" if runner.all() else f"{int(runner.sum())} of the {runner.size} windows"
    head = (f"in {some} the maximum (at the window's last offset) exceeds the runner-up (at its first offset) "
            f"by a relative {1e-12:g} only, and the gradient went to the runner-up (as if the two were tied, or the "
            f"later one smaller)")

    def again(xa, da):
        try:
            out = np.asarray(_call(maxpool2d_backward, (da, xa, size, size), "maxpool2d_backward", context), _float64)
        except core.CheckFailure:
            return None
        return out if out.shape == xa.shape else None

    told = {}
    if mixed:
        x2, dout2, want2, first2 = _near_tied(r, 3e-6)
        wider = again(x2, dout2)
        scaled = again(x * 2.0 ** 27, dout)
        if runner.all() and wider is not None and core.close(wider, want2, 1e-9, 1e-12) and scaled is not None \
                and core.close(scaled, to_first, 1e-9, 1e-12):
            fail(f"maxpool2d_backward ({context}): dx: {head}, while a gap of a relative 3e-06 (which float32 still tells apart, a tolerance such as "
                 f"np.isclose's rtol=1e-5 does not) is resolved right and the same windows scaled by 2**27 are "
                 f"not: the maxima were located on FLOAT32 values "
                 f"(an .astype(np.float32) copy of x or of its windows, a float32 buffer), whose precision (about "
                 f"1e-7 relative) merges values a float64 input keeps apart; locate the maximum in x's own dtype "
                 f"(window == top, or np.argmax on x itself)", "pool-near-ties-float32")
        elif runner.all() and wider is not None and core.close(wider, first2, 1e-9, 1e-12):
            fail(f"maxpool2d_backward ({context}): dx: {head}, and so at a relative gap of 3e-06 too (which float32 would still tell apart): the "
                 f"maximum is the largest value EXACTLY (window == top, or np.argmax): a comparison with a "
                 f"tolerance (np.isclose, np.allclose, abs(a - b) < tol) calls near-equal values tied",
                 "pool-near-ties-tolerance")
        elif wider is not None and core.close(wider, want2, 1e-9, 1e-12) and scaled is not None \
                and core.close(scaled, want, 1e-9, 1e-12):
            fail(f"maxpool2d_backward ({context}): dx: {head}, while the same windows scaled by 2**27 (about 1.3e8, the same relative "
                 f"gap, an absolute gap of 1e-4 or more) and a relative gap of 3e-06 are routed right: what decides is "
                 f"the ABSOLUTE size of the gap, so x was perturbed before the maximum was located (a small amount "
                 f"added or subtracted to break ties, such as x - 1e-9 * index, or noise): a perturbation reorders "
                 f"values closer than it; compare x's own values exactly and break ties by position (np.argmax, or "
                 f"the first offset where window == top)", "pool-near-ties-perturbed")
        else:
            told[f"{head}: the maximum is the largest value EXACTLY, found in x's own dtype (window == top, or "
                 f"np.argmax on x itself)"] = got
    expect_close(got, want, name=f"maxpool2d_backward ({context}): dx", rtol=1e-9, atol=1e-12, diagnose=told)


# ---------------------------------------------------------------------------------------------
# Flatten
# ---------------------------------------------------------------------------------------------

FLATTEN_PATTERNS = [
    (lambda c: c[0][0] > 1, "right for a batch of one only: the values of different samples are mixed; keep "
                            "the batch axis first and reshape without moving it: x.reshape(N, -1) forward, "
                            "dout.reshape(x_shape) backward (no .T, no reshape(-1, N))", "flatten-batch-one-only"),
    (lambda c: np.dtype(c[1]) == np.float32, "right in float64 and wrong in float32: keep the dtype of x",
     "float32-only-fails"),
]


def flatten(flatten_forward, flatten_backward):
    r = core.rng("lab07.flatten")
    results = []
    # the first case's sizes are pairwise coprime and > 2: a number in an error is read as a product of them only
    # when it is one (6 = N*W with N = 3 and W = 2 was a square root that happened to equal N*W)
    for shape, dt in [((3, 4, 5, 7), np.float64), ((1, 2, 3, 4), np.float64), ((5, 3, 2, 6), np.float32),
                      ((2, 6, 1, 1), np.float64)]:
        x = r.normal(0, 1, shape).astype(dt)
        dout = r.normal(0, 1, (shape[0], int(np.prod(shape[1:])))).astype(dt)
        results.append(((shape, dt), _attempt(lambda: _flatten_case(flatten_forward, flatten_backward, x, dout))))
    if any(exc is not None and exc.diagnosis in ("wrong-shape", "extra-unit-axes", "missing-unit-axes")
           for _, exc in results):
        entries = []
        for (shape, dt), _exc in results:
            try:
                got = _shape(core.call(flatten_forward, np.zeros(shape, dt), name="flatten_forward"))
            except core.CheckFailure:
                got = None
            entries.append((got, (shape[0], int(np.prod(shape[1:]))), dict(zip(("N", "C", "H", "W"), shape))))
        short = [(got, want, tuple(d.values())) for got, want, d in entries if got is not None and want[0] > 1]
        if len(short) >= 2 and all(got == (want[0] - 1, want[1]) for got, want, _ in short):
            fail(f"flatten_forward: one SAMPLE is lost: for x of shape {short[0][2]} the result has shape "
                 f"{short[0][0]}, N - 1 rows instead of N = {short[0][1][0]}, and so in every case: a loop "
                 f"or slice that stops one sample early (range(len(x) - 1), x[:-1]); keep every sample, "
                 f"x.reshape(x.shape[0], -1)", "flatten-sample-lost")
        story = _shape_story(entries, "flatten_forward's result", "(N, C*H*W)")
        if story:
            fail(f"flatten_forward: {story}", "shape-axes-named")
    _report(results, FLATTEN_PATTERNS)
    _flatten_backward_own_shape(flatten_forward, flatten_backward, r)
    k = core.rng("lab07.flatten.kept")
    shape = (3, 4, 5, 7)
    _results_kept(flatten_forward, "flatten_forward", f"x of shape {shape}", (k.normal(0, 1, shape),),
                  (k.normal(0, 1, shape),), ("output",))
    _results_kept(flatten_backward, "flatten_backward", f"dout of shape (3, 140), x_shape {shape}",
                  (k.normal(0, 1, (3, 140)), shape), (k.normal(0, 1, (3, 140)), shape), ("dx",))
    _layout_free(flatten_forward, "flatten_forward", f"x of shape {shape}", (k.normal(0, 1, shape),),
                 lambda x: x.reshape(len(x), -1), ("output",), {0: "x"}, readings={
                     "your result is x's values in their MEMORY order (np.ravel(x, order='K'), or order='A'), "
                     "not in the (C, H, W) index order of each sample": lambda x: np.ravel(x, order="K").reshape(
                         len(x), -1)})
    _after_change(flatten_forward, "flatten_forward", f"x of shape {shape}", (k.normal(0, 1, shape),),
                  lambda x: x.reshape(len(x), -1), ("output",), {0: "x"}, k)
    _after_change(flatten_backward, "flatten_backward", f"dout of shape (3, 140), x_shape {shape}",
                  (k.normal(0, 1, (3, 140)), shape), lambda d, sh: d.reshape(sh), ("dx",), {0: "dout"}, k)
    _layout_free(flatten_backward, "flatten_backward", f"dout of shape (3, 140), x_shape {shape}",
                 (k.normal(0, 1, (3, 140)), shape), lambda d, sh: d.reshape(sh), ("dx",), {0: "dout"}, readings={
                     "your result is dout's values in their MEMORY order (order='K' or 'A'), not in its index "
                     "order": lambda d, sh: np.ravel(d, order="K").reshape(sh)})


def _flatten_backward_own_shape(flatten_forward, flatten_backward, r) -> None:
    """flatten_backward(dout, x_shape) depends on its arguments only: called after flatten_forward saw ANOTHER x
    (as in a network with two flatten layers, or a forward on a new batch before the backward of the old one), it
    still returns dout in x_shape.  Two orders with pairwise different shapes of equal size per batch: an answer in
    the shape of the last forward's x each time is a shape kept from the forward (a global, an attribute).  Cheap:
    four calls, after the cases passed."""
    told = []
    for seen, asked in (((3, 4, 5, 7), (3, 7, 5, 4)), ((2, 9, 2, 5), (2, 5, 3, 6))):
        dout = r.normal(0, 1, (asked[0], int(np.prod(asked[1:]))))
        _call(flatten_forward, (r.normal(0, 1, seen),), "flatten_forward", f"x of shape {seen}")
        context = f"dout of shape {dout.shape}, x_shape {asked}, right after flatten_forward on x of shape {seen}"
        try:
            got = _call(flatten_backward, (dout, asked), "flatten_backward", context)
        except core.CheckFailure as exc:
            told.append((seen, asked, context, None, exc))
            continue
        if _shape(got) == asked and core.close(np.asarray(got, _float64), dout.reshape(asked), 0, 0):
            continue
        told.append((seen, asked, context, _shape(got), None))
    if not told:
        return
    seen, asked, context, got, exc = told[0]
    follows = len(told) == 2 and all(g == s or (e is not None and str(s).replace(" ", "") in str(e).replace(" ", ""))
                                     for s, _, _, g, e in told)
    said = (f"returned shape {got}" if got is not None else f"raised {str(exc).split(': ', 1)[-1][:160]}")
    fail(f"flatten_backward ({context}): {said} where dout reshaped to x_shape {asked} belongs"
         + ("; and so in a second order of calls: each time the answer has the shape of the x the LAST "
            "flatten_forward saw, not x_shape: the shape is kept from the forward pass (a global or attribute "
            "set by flatten_forward) and x_shape is ignored" if follows else "")
         + ": flatten_backward depends on its arguments only, dout.reshape(x_shape) (a network may flatten "
           "other inputs between a forward and its backward)", "flatten-backward-shape-from-forward" if follows
         else "flatten-backward-own-arguments")


def _flatten_case(flatten_forward, flatten_backward, x, dout):
    shape, dt = x.shape, x.dtype
    n = shape[0]
    want = np.stack([x[i].ravel() for i in range(n)])     # row i: sample i, in (C, H, W) order
    out = _call(flatten_forward, (x,), "flatten_forward", f"x of shape {shape}", want=want)
    got_shape = _shape(out)
    if got_shape == (x.size,):
        fail(f"flatten_forward (x of shape {shape}): returned a 1-D array of shape {got_shape}: keep "
             f"the batch axis, one row per sample: (N, C*H*W) = {want.shape}", "flatten-batch-axis-lost")
    if got_shape == want.shape[::-1] and n > 1:
        held = np.asarray(out)
        how = (": your result is the right (N, C*H*W) array TRANSPOSED, one COLUMN per sample (the (features, m) "
               "layout of some courses); drop the .T" if np.array_equal(held.T, want) else "")
        fail(f"flatten_forward (x of shape {shape}): returned shape {got_shape}{how}: rows are samples, "
             f"(N, C*H*W) = {want.shape}", "flatten-transposed")
    got = _expect(out, f"flatten_forward (x of shape {shape})", want.shape, dt, want=want)
    orders = {      # every other order of the (C, H, W) axes ((W, H, C) is order='F', said below)
        f"the features are in ({', '.join('CHW'[a - 1] for a in perm)}) order: keep the (C, H, W) order of each "
        f"sample, x.reshape(N, -1) without moving axes": x.transpose(0, *perm).reshape(n, -1)
        for perm in ((2, 3, 1), (1, 3, 2), (2, 1, 3), (3, 1, 2))}
    expect_close(got, want, name=f"flatten_forward (x of shape {shape})", rtol=0, atol=0, diagnose={
        **orders,
        "the features are in (W, H, C) order: x's axes were reversed before a C-order flatten (swapaxes(1, 3), "
        "transpose(0, 3, 2, 1): a channels-last habit) or, what gives the same numbers, each sample was flattened "
        "column by column (order='F'); keep the (C, H, W) order of each sample, x.reshape(N, -1) without moving "
        "axes": np.stack([x[i].ravel(order="F") for i in range(n)]),
    })
    back = _call(flatten_backward, (dout, shape), "flatten_backward",
                 f"dout of shape {want.shape}, x_shape {shape}")
    if _shape(back) == want.shape:
        fail(f"flatten_backward: dout must be reshaped back to x_shape {shape} (got shape "
             f"{want.shape}, unchanged): the next layer down expects images", "flatten-backward-not-reshaped")
    back = _expect(back, f"flatten_backward (x_shape {shape})", shape, dt, ("N", "C", "H", "W"))
    try:
        expect_close(back, dout.reshape(shape), name=f"flatten_backward (x_shape {shape})", rtol=0, atol=0,
                     diagnose={f"dout is unflattened in ({', '.join('CHW'[a - 1] for a in perm)}) order (reshaped to "
                               f"(N, {', '.join('CHW'[a - 1] for a in perm)}) and the axes moved back): "
                               f"flatten_forward laid each sample out in (C, H, W) order: undo flatten_forward "
                               f"exactly, dout.reshape(x_shape), without moving axes":
                               dout.reshape(n, *[shape[a] for a in perm]).transpose(0, *[perm.index(k) + 1
                                                                                            for k in (1, 2, 3)])
                               for perm in ((2, 3, 1), (1, 3, 2), (2, 1, 3), (3, 1, 2))})
    except core.CheckFailure as exc:
        mixed = _layout_mixup(back, dout.reshape(shape), ("N", "C", "H", "W"), {"rtol": 0, "atol": 0}) \
            if _generic(exc) else None
        if mixed:
            fail(f"flatten_backward (x_shape {shape}): {mixed[0]}; flatten_backward is dout.reshape(x_shape)",
                 mixed[1])
        raise
