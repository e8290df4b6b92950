"""Lab 07 bug zoo: mistakes students make in convolution and pooling layers, and correct alternatives.

Sources of the catalogue: the classic im2col/col2im slips (CS231n assignment 2 threads), the
padding and stride mix-ups of hand-written backward passes, the tie and overlap cases of
max-pooling, and the axis mix-ups of channels-first arrays.  The issue-15 held-out probe added
fresh ones: the stride missing from hand-written conv and max-pool backward passes (Coursera
"Convolution model - Step by Step" fixes, a CS231n assignment answer whose max-pool backward only
passed because its test had stride = size), np.pad given a single number, the bias lined up with
the batch axis, a kernel matrix reshaped instead of transposed, and correct naive-loop solutions.
The third held-out round added loop/einsum/broadcasting slips (kernel indices swapped in einsum, a
per-channel kernel broadcast against the wrong axes, einsum letters mixing C_in and C_out), max-pooling
by reshaping into blocks or np.repeat upsampling (right only when windows tile the image), sums
averaged over output positions, and flatten code right for a batch of one only.
The fifth round added a shape-keyed im2col cache
(stale for new values), a batch loop reading sample 0, dx reshaped instead of transposed, flatten with
order='F' or C*H*H, max-pool loops that drop the last window, an argmax unravelled with the stride and a
backward reading globals left by the forward pass.
The sixth round (r6-d) added mistakes named by general readings rather than catalogued values: wrong
documented defaults, one edit of the output-size formula, wrong shapes written with the case sizes, a dw
that ignores the stride while dx is right, sizes computed without the padding, max-pool maxima taken across
images, a mean where the convolution sums, and an input that a gradient must not depend on (isolate.py).
Round 22 (r22a) added a held-out set named by general readings: output-size terms moved outside the division
or regrouped by parentheses, the first window's start offset (stride - 1, shifted by pad), a ::stride step on
the wrong axes of the window view, a dx crop at another offset, and a (features, N) flatten.
"""
from . import Mutant, Variant

# Anchors in the reference solution (each occurs exactly once in the notebook's code cells).
FWD_WINDOWS = "windows = sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]"
FWD_COLS = "cols = windows.transpose(1, 4, 5, 0, 2, 3).reshape(C_in * KH * KW, N * H_out * W_out)"
FWD_PRODUCT = "out = (w.reshape(C_out, -1) @ cols).reshape(C_out, N, H_out, W_out)"
FWD_RETURN = "return out.transpose(1, 0, 2, 3) + b.reshape(1, C_out, 1, 1)"
FWD_BODY = f"""    {FWD_WINDOWS}
    N, _, H_out, W_out = windows.shape[:4]
    # im2col: one column per output position, rows in the (C_in, KH, KW) order of w.reshape(C_out, -1).
    {FWD_COLS}
    {FWD_PRODUCT}
    {FWD_RETURN}"""
COL2IM = """    dxp = np.zeros((C_in, N) + xp.shape[2:], dtype=dcols.dtype)
    for u in range(KH):                   # a loop over the kernel offsets, not over pixels
        for v in range(KW):
            dxp[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride] += dcols[:, u, v]
    dx = dxp[:, :, pad:pad + H, pad:pad + W].transpose(1, 0, 2, 3)"""
# dx as the full correlation of the stride-dilated dout with the flipped, channel-swapped kernel
# (the report's formula); FLIP is substituted, so the "not flipped" mutant is the same code.
FULL_CORRELATION = """    Hp, Wp = xp.shape[2:]
    spread = np.zeros((N, C_out, stride * (H_out - 1) + 1, stride * (W_out - 1) + 1), dtype=dout.dtype)
    spread[:, :, ::stride, ::stride] = dout
    full = np.pad(spread, ((0, 0), (0, 0), (KH - 1, Hp - spread.shape[2]), (KW - 1, Wp - spread.shape[3])))
    kernel = w{FLIP}.transpose(1, 0, 2, 3)
    dxp = np.einsum("nohwuv,couv->nchw", sliding_window_view(full, (KH, KW), axis=(2, 3)), kernel,
                    optimize=True)
    dx = dxp[:, :, pad:pad + H, pad:pad + W]"""
POOL_FWD_LOOP = """    top = windows[..., 0, 0]
    for u in range(size):                  # np.maximum over the size*size offsets: much faster
        for v in range(size):              # than .max(axis=(4, 5)) on the strided view
            top = np.maximum(top, windows[..., u, v])
    return top"""
POOL_BWD_ROUTE = """    dx = np.zeros_like(x)
    taken = np.zeros(top.shape, dtype=bool)       # windows whose maximum got its gradient already
    for u in range(size):                         # row-major order: the first tied maximum wins
        for v in range(size):
            first = (windows[..., u, v] == top) & ~taken
            taken |= first
            dx[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride] += np.where(first, dout, 0)
    return dx"""
PAD_FWD = "    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n    # Every window"
BWD_BODY_START = "    patches = sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]\n"
BWD_BODY = """    patches = sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]
    cols = patches.transpose(1, 4, 5, 0, 2, 3).reshape(C_in * KH * KW, N * H_out * W_out)
    g = dout.transpose(1, 0, 2, 3).reshape(C_out, N * H_out * W_out)
    db = g.sum(axis=1)                    # b[o] is added at every position of every image
    dw = (g @ cols.T).reshape(w.shape)
    # col2im: column k of dcols is the gradient of window k; overlapping windows ADD up.
    dcols = (w.reshape(C_out, -1).T @ g).reshape(C_in, KH, KW, N, H_out, W_out)
""" + COL2IM + "\n    return dx, dw, db"
POOL_BWD_LOOP_NO_STRIDE = """    dx = np.zeros_like(x)
    N, C = x.shape[:2]
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    window = x[n, c, i * stride:i * stride + size, j * stride:j * stride + size]
                    row, col = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, i + row, j + col] += dout[n, c, i, j]
    return dx"""

OUT = "return (n + 2 * pad - k) // stride + 1"
POOL_BWD_FULL = """    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]
    H_out, W_out = windows.shape[2:4]
    top = windows[..., 0, 0]
    for u in range(size):
        for v in range(size):
            top = np.maximum(top, windows[..., u, v])
""" + POOL_BWD_ROUTE

# conv backward with naive loops over output positions (a correct variant; one mutant swaps an einsum letter)
LOOP_BWD = """    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    db = dout.sum(axis=(0, 2, 3))
    for i in range(H_out):
        for j in range(W_out):
            r0, c0 = i * stride, j * stride
            patch = xp[:, :, r0:r0 + KH, c0:c0 + KW]
            g = dout[:, :, i, j]
            dw += np.einsum("no,ncuv->ocuv", g, patch)
            dxp[:, :, r0:r0 + KH, c0:c0 + KW] += np.einsum("no,ocuv->ncuv", g, w)
    dx = dxp[:, :, pad:pad + H, pad:pad + W]
    return dx, dw, db"""

MUTANTS = [
    # --- output size ----------------------------------------------------------------------------
    Mutant("output size without the +1",
           old="return (n + 2 * pad - k) // stride + 1", new="return (n + 2 * pad - k) // stride",
           expect="the +1 is missing"),
    Mutant("output size with true division",
           old="return (n + 2 * pad - k) // stride + 1", new="return (n + 2 * pad - k) / stride + 1",
           expect="integer division"),
    Mutant("output size with the padding on one side only",
           old="return (n + 2 * pad - k) // stride + 1", new="return (n + pad - k) // stride + 1",
           expect="both sides"),
    Mutant("output size rounded up",
           old="return (n + 2 * pad - k) // stride + 1", new="return -(-(n + 2 * pad - k) // stride) + 1",
           expect="rounded up"),
    # --- convolution forward --------------------------------------------------------------------
    Mutant("kernel flipped (a true convolution)",
           old=FWD_PRODUCT, new=FWD_PRODUCT.replace("w.reshape", "w[:, :, ::-1, ::-1].reshape"),
           expect="kernel is flipped"),
    Mutant("bias missing",
           old=FWD_RETURN, new="return out.transpose(1, 0, 2, 3)", expect="bias is missing"),
    Mutant("bias broadcast along the last axis",
           old=FWD_RETURN, new="return out.transpose(1, 0, 2, 3) + b", expect=("bias", "b.reshape")),
    Mutant("channel axis moved with reshape instead of transpose",
           old=FWD_RETURN, new="return out.reshape(N, C_out, H_out, W_out) + b.reshape(1, C_out, 1, 1)",
           expect="transpose, not reshape"),
    Mutant("channels last in the output",
           old=FWD_RETURN, new="return out.transpose(1, 2, 3, 0) + b",
           expect="channel axis is last"),
    Mutant("patches flattened in (KH, KW, C_in) order",
           old=FWD_COLS, new=FWD_COLS.replace("transpose(1, 4, 5, 0, 2, 3)", "transpose(4, 5, 1, 0, 2, 3)"),
           expect="(KH, KW, C_in) order"),
    Mutant("stride ignored in the forward pass",
           old=FWD_WINDOWS, new="windows = sliding_window_view(xp, (KH, KW), axis=(2, 3))",
           expect="stride is ignored"),
    Mutant("padding ignored in the forward pass",
           old="    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n    # Every window",
           new="    xp = x\n    # Every window", expect="padding is ignored"),
    Mutant("border padded by repeating the edge",
           old="    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n    # Every window",
           new="    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode='edge')\n    # Every window",
           expect="padding is not zeros"),
    Mutant("forward output in float64 for float32 input",
           old=FWD_PRODUCT, new=FWD_PRODUCT + ".astype(np.float64)", expect="keep the dtype"),
    # --- convolution backward -------------------------------------------------------------------
    Mutant("col2im overwrites overlapping windows instead of adding",
           old="v:v + stride * W_out:stride] += dcols[:, u, v]", new="v:v + stride * W_out:stride] = dcols[:, u, v]",
           expect="do not overlap"),
    Mutant("padding not removed from dx",
           old="dx = dxp[:, :, pad:pad + H, pad:pad + W].transpose(1, 0, 2, 3)", new="dx = dxp.transpose(1, 0, 2, 3)",
           expect="padding was not removed"),
    Mutant("padding cropped with pad:-pad (empty for pad = 0)",
           old="dx = dxp[:, :, pad:pad + H, pad:pad + W].transpose(1, 0, 2, 3)",
           new="dx = dxp[:, :, pad:-pad, pad:-pad].transpose(1, 0, 2, 3)", expect="selects nothing"),
    Mutant("stride ignored in col2im (backward)",
           old="dxp[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride] += dcols[:, u, v]",
           new="dxp[:, :, u:u + H_out, v:v + W_out] += dcols[:, u, v]", expect="stride is ignored in the backward"),
    Mutant("dx by a full correlation with the kernel not flipped",
           old=COL2IM, new=FULL_CORRELATION.replace("{FLIP}", ""), expect="must be flipped"),
    Mutant("bias gradient summed over the batch only",
           old="db = g.sum(axis=1)", new="db = dout.sum(axis=0)", expect="summed over the batch only"),
    Mutant("bias gradient summed over the positions only",
           old="db = g.sum(axis=1)", new="db = dout.sum(axis=(2, 3))", expect="summed over H_out and W_out only"),
    Mutant("bias gradient averaged",
           old="db = g.sum(axis=1)", new="db = g.mean(axis=1)", expect="db is averaged"),
    Mutant("bias gradient with keepdims",
           old="db = g.sum(axis=1)", new="db = dout.sum(axis=(0, 2, 3), keepdims=True)", expect="keepdims"),
    Mutant("weight gradient flipped",
           old="dw = (g @ cols.T).reshape(w.shape)", new="dw = (g @ cols.T).reshape(w.shape)[:, :, ::-1, ::-1]",
           expect="dw is flipped"),
    Mutant("weight gradient divided by N",
           old="dw = (g @ cols.T).reshape(w.shape)", new="dw = (g @ cols.T).reshape(w.shape) / N",
           expect="dw is divided by N"),
    Mutant("weight gradient with C_in and C_out swapped",
           old="dw = (g @ cols.T).reshape(w.shape)",
           new="dw = (g @ cols.T).reshape(w.shape).transpose(1, 0, 2, 3)", expect="shape of w"),
    Mutant("dout reshaped without moving the channel axis",
           old="g = dout.transpose(1, 0, 2, 3).reshape(C_out, N * H_out * W_out)",
           new="g = dout.reshape(C_out, N * H_out * W_out)", expect="without first moving its channel axis"),
    Mutant("col2im buffer in float64 (np.zeros without dtype)",
           old="dxp = np.zeros((C_in, N) + xp.shape[2:], dtype=dcols.dtype)",
           new="dxp = np.zeros((C_in, N) + xp.shape[2:])", expect="keep the dtype"),
    Mutant("gradients returned in the wrong order",
           old="    return dx, dw, db", new="    return dw, dx, db", expect="in this order"),
    # --- max-pooling ----------------------------------------------------------------------------
    Mutant("average pooling instead of max",
           old=POOL_FWD_LOOP, new="    return windows.mean(axis=(4, 5))", expect="average pooling"),
    Mutant("pooling stride ignored in the forward pass",
           old="    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]\n    top",
           new="    windows = sliding_window_view(x, (size, size), axis=(2, 3))\n    top",
           expect="stride is ignored"),
    Mutant("max-pool gradient to all tied maxima",
           old="first = (windows[..., u, v] == top) & ~taken", new="first = windows[..., u, v] == top",
           expect="the gradient went to all 4 tied maxima"),
    Mutant("max-pool gradient to every position of the window",
           old="+= np.where(first, dout, 0)", new="+= dout", expect="every position of the window"),
    Mutant("max-pool gradient of average pooling",
           old="+= np.where(first, dout, 0)", new="+= dout / size ** 2", expect="AVERAGE pooling"),
    Mutant("max-pool backward overwrites overlapping windows",
           old="v:v + stride * W_out:stride] += np.where(first, dout, 0)",
           new="v:v + stride * W_out:stride] = np.where(first, dout, 0)", expect="do not overlap"),
    Mutant("max-pool backward ignores the stride",
           old="dx[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride] += np.where(first, dout, 0)",
           new="dx[:, :, u:u + H_out, v:v + W_out] += np.where(first, dout, 0)", expect="stride"),
    Mutant("max-pool gradient with row and column of the maximum swapped",
           old="first = (windows[..., u, v] == top) & ~taken", new="first = (windows[..., v, u] == top) & ~taken",
           expect="row and column of the maximum are swapped"),
    # --- flatten --------------------------------------------------------------------------------
    Mutant("flatten in (H, W, C) order",
           old="return x.reshape(x.shape[0], -1)", new="return x.transpose(0, 2, 3, 1).reshape(x.shape[0], -1)",
           expect="(H, W, C) order"),
    Mutant("flatten loses the batch axis",
           old="return x.reshape(x.shape[0], -1)", new="return x.ravel()", expect="keep the batch axis"),
    Mutant("flatten squeezes a batch of one",
           old="return x.reshape(x.shape[0], -1)", new="return x.reshape(x.shape[0], -1).squeeze()",
           expect="keep the batch axis"),
    Mutant("flatten backward does not reshape",
           old="return dout.reshape(x_shape)", new="return dout", expect="reshaped back"),
    # --- issue 15 held-out probe (fresh mistakes, now catalogued) ----------------------------
    Mutant("H padding on top and left only (forward)", old=PAD_FWD,
           new="    xp = np.pad(x, ((0, 0), (0, 0), (pad, 0), (pad, 0)))\n    # Every window", expect="padding is added on one side only"),
    Mutant("np.pad(x, pad) pads the batch and channel axes too (forward)", old=PAD_FWD,
           new="    xp = np.pad(x, pad)\n    # Every window", expect="batch and channel axes too"),
    Mutant("bias reshaped to (C_out, 1, 1, 1) (forward)", old=FWD_RETURN,
           new="return out.transpose(1, 0, 2, 3) + b.reshape(C_out, 1, 1, 1)", expect="lines up with the BATCH axis"),
    Mutant("stride applied along H only (forward)", old=FWD_WINDOWS,
           new="windows = sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::stride, :]", expect="stride is applied along H only"),
    Mutant("kernel reshaped instead of transposed for dx (backward)",
           old="dcols = (w.reshape(C_out, -1).T @ g)", new="dcols = (w.reshape(-1, C_out) @ g)",
           expect="reshaped to (C_in*KH*KW, C_out) instead of transposed"),
    Mutant("dw from the unpadded input (backward)", old=BWD_BODY_START,
           new="    patches = sliding_window_view(x, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]\n",
           expect="pad x exactly as in the forward pass"),
    Mutant("dx cropped with pad:H (backward)",
           old="dx = dxp[:, :, pad:pad + H, pad:pad + W].transpose(1, 0, 2, 3)",
           new="dx = dxp[:, :, pad:H, pad:W].transpose(1, 0, 2, 3)", expect="cropped with pad:H"),
    Mutant("full-correlation dx with the kernel flipped along H only (backward)",
           old=COL2IM, new=FULL_CORRELATION.replace("{FLIP}", "[:, :, ::-1, :]"), expect="flipped along one axis only"),
    Mutant("full-correlation dx without dilating dout by the stride (backward)",
           old=COL2IM, new=FULL_CORRELATION.replace("{FLIP}", "[:, :, ::-1, ::-1]").replace(
               "    spread = np.zeros((N, C_out, stride * (H_out - 1) + 1, stride * (W_out - 1) + 1), dtype=dout.dtype)\n"
               "    spread[:, :, ::stride, ::stride] = dout\n", "    spread = dout\n"), expect="stride is ignored in the backward pass"),
    Mutant("conv bias gradient divided by N (backward)", old="db = g.sum(axis=1)", new="db = g.sum(axis=1) / N",
           expect="db is divided by N"),
    Mutant("max-pool forward: max over the window-position axes", old=POOL_FWD_LOOP,
           new="    return windows.max(axis=(2, 3))", expect="window POSITIONS"),
    Mutant("max-pool forward: size and stride swapped",
           old="    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]\n"
               "    top = windows[..., 0, 0]\n    for u in range(size):                  # np.maximum",
           new="    windows = sliding_window_view(x, (stride, stride), axis=(2, 3))[:, :, ::size, ::size]\n"
               "    top = windows[..., 0, 0]\n    for u in range(stride):                  # np.maximum",
           also=(("        for v in range(size):              # than", "        for v in range(stride):              # than"),),
           expect="size and stride are swapped"),
    Mutant("max-pool backward: dx aliases x (dx = x; dx[...] = 0)",
           old="    dx = np.zeros_like(x)\n    taken", new="    dx = x\n    dx[...] = 0\n    taken", expect="modified its input argument #2"),
    Mutant("max-pool backward loop without the stride offset (CS231n thread)",
           old=POOL_BWD_ROUTE, new=POOL_BWD_LOOP_NO_STRIDE, expect="right for stride 1 and wrong for larger strides"),
    Mutant("flatten with order='F' over the whole batch",
           old="return x.reshape(x.shape[0], -1)", new='return x.reshape(x.shape[0], -1, order="F")', expect="order='F'"),
    Mutant("flatten backward reshapes dout in place (dout.shape = x_shape)",
           old="return dout.reshape(x_shape)", new="dout.shape = x_shape\n    return dout", expect="modified its input argument #1"),
    Mutant("output size rounded to the nearest integer",
           old="return (n + 2 * pad - k) // stride + 1", new="return round((n + 2 * pad - k) / stride) + 1",
           expect="rounded to the nearest integer"),
    Mutant("output size with the +1 inside the division",
           old="return (n + 2 * pad - k) // stride + 1", new="return (n + 2 * pad - k + 1) // stride",
           expect="the +1 is inside the division"),
    # --- issue 15 third held-out round (fresh mistakes, now catalogued) ---------------------
    Mutant("output size: padding subtracted", old=OUT, new="return (n - 2 * pad - k) // stride + 1",
           expect=('right without padding only', 'your code computes `n - 2 * pad`')),
    Mutant("conv fwd: einsum with kernel u,v transposed", old=FWD_BODY,
           new="""    windows = sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]
    return np.einsum("ncijuv,ocvu->noij", windows, w, optimize=True) + b[None, :, None, None]""", expect='rows and columns are swapped'),
    Mutant("conv fwd: loop window start not multiplied by stride", old=FWD_BODY,
           new="""    N = x.shape[0]
    H_out = (xp.shape[2] - KH) // stride + 1
    W_out = (xp.shape[3] - KW) // stride + 1
    out = np.zeros((N, C_out, H_out, W_out), dtype=x.dtype)
    for i in range(H_out):
        for j in range(W_out):
            patch = xp[:, :, i:i + KH, j:j + KW]
            out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out""", expect='right for stride 1 and wrong for larger strides'),
    Mutant("conv fwd: kernel matrix reshaped (C_in*KH*KW, C_out).T", old=FWD_PRODUCT,
           new="out = (w.reshape(C_in * KH * KW, C_out).T @ cols).reshape(C_out, N, H_out, W_out)", expect='reshaped, not transposed'),
    Mutant("conv fwd: per-output-channel loop, kernel broadcast without the position axes", old=FWD_BODY,
           new="""    windows = sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]
    outs = [np.sum(windows * w[o], axis=(1, 4, 5)) + b[o] for o in range(C_out)]
    return np.stack(outs, axis=1)""", expect='lines shapes up from the LAST axis'),
    Mutant("conv bwd: dw averaged over output positions", old="dw = (g @ cols.T).reshape(w.shape)",
           new="dw = (g @ cols.T).reshape(w.shape) / (H_out * W_out)", expect='divided by H_out*W_out'),
    Mutant("conv bwd: naive loop with channels of w not swapped (einsum couv)", old=BWD_BODY,
           new=LOOP_BWD.replace('"no,ocuv->ncuv"', '"nc,ocuv->ncuv"'), expect='one letter of the subscripts'),
    Mutant("conv bwd: db with keepdims (C_out, 1)", old="db = g.sum(axis=1)", new="db = g.sum(axis=1, keepdims=True)",
           expect='over the batch AND all output positions'),
    Mutant("conv bwd: naive loop overwriting overlapping windows", old=BWD_BODY,
           new=LOOP_BWD.replace("c0:c0 + KW] += np.einsum", "c0:c0 + KW] = np.einsum"), expect='do not overlap'),
    Mutant("maxpool fwd: reshape trick (stride == size, divisible H only)", old=POOL_FWD_LOOP,
           new="""    N, C, H, W = x.shape
    return x.reshape(N, C, H // size, size, W // size, size).max(axis=(3, 5))""", expect='tile the image exactly'),
    Mutant("maxpool bwd: upsampled-max mask (np.repeat)", old=POOL_BWD_FULL,
           new="""    top = maxpool2d_forward(x, size, stride)
    up = np.repeat(np.repeat(top, size, axis=2), size, axis=3)
    up_d = np.repeat(np.repeat(dout, size, axis=2), size, axis=3)
    dx = np.zeros_like(x)
    h, w_ = up.shape[2:]
    dx[:, :, :h, :w_] = (x[:, :, :h, :w_] == up) * up_d
    return dx""", expect='pooling windows overlap'),
    Mutant("maxpool bwd: float64 buffer (np.zeros(x.shape))", old="    dx = np.zeros_like(x)\n    taken",
           new="    dx = np.zeros(x.shape)\n    taken", expect='keep the dtype'),
    Mutant("flatten: reshape(-1, N)", old="return x.reshape(x.shape[0], -1)", new="return x.reshape(-1, x.shape[0]).T",
           expect='right for a batch of one only'),
    Mutant("flatten bwd: dout.T reshaped", old="return dout.reshape(x_shape)", new="return dout.T.reshape(x_shape)",
           expect='in the order (C, H, W, N) and then RESHAPED'),
    # (written after the round's fixes, to exercise the C_in == C_out probe cases of the checks)
    Mutant("C_in used for C_out when the product is reshaped (forward)", old=FWD_PRODUCT,
           new=FWD_PRODUCT.replace(".reshape(C_out, N", ".reshape(C_in, N"), expect="right only when C_in == C_out"),
]

VARIANTS = [
    Variant("output size with math.floor of a true division",
            old="return (n + 2 * pad - k) // stride + 1",
            new="import math\n    return math.floor((n + 2 * pad - k) / stride) + 1"),
    Variant("conv forward with einsum on the window view",
            old=FWD_BODY,
            new="""    windows = sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]
    return np.einsum("ncijuv,ocuv->noij", windows, w, optimize=True) + b[None, :, None, None]"""),
    Variant("conv forward with tensordot",
            old=FWD_BODY,
            new="""    windows = sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]
    out = np.tensordot(windows, w, axes=([1, 4, 5], [1, 2, 3]))      # (N, H_out, W_out, C_out)
    return np.ascontiguousarray(out.transpose(0, 3, 1, 2)) + b.reshape(1, -1, 1, 1)"""),
    Variant("conv forward as a loop over the kernel offsets (shifted slices, no im2col)",
            old=FWD_BODY,
            new="""    N, _, H, W = x.shape
    H_out, W_out = conv_output_size(H, KH, stride, pad), conv_output_size(W, KW, stride, pad)
    out = np.zeros((N, C_out, H_out, W_out), dtype=x.dtype)
    for u in range(KH):
        for v in range(KW):
            shifted = xp[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride]
            out += np.einsum("nchw,oc->nohw", shifted, w[:, :, u, v])
    return out + b[None, :, None, None]"""),
    Variant("conv forward with as_strided (explicit stride tricks)",
            old=FWD_WINDOWS,
            new="""N, _, H, W = x.shape
    H_out, W_out = conv_output_size(H, KH, stride, pad), conv_output_size(W, KW, stride, pad)
    sN, sC, sH, sW = xp.strides
    windows = np.lib.stride_tricks.as_strided(
        xp, shape=(N, C_in, H_out, W_out, KH, KW),
        strides=(sN, sC, sH * stride, sW * stride, sH, sW), writeable=False)"""),
    Variant("conv forward computed in float64, returned in the input dtype",
            old=FWD_RETURN,
            new="out = out.astype(np.float64)\n    return (out.transpose(1, 0, 2, 3) + b.reshape(1, C_out, 1, 1)).astype(x.dtype)"),
    Variant("im2col and col2im with index arrays and np.add.at (CS231n style)",
            old="""    patches = sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]
    cols = patches.transpose(1, 4, 5, 0, 2, 3).reshape(C_in * KH * KW, N * H_out * W_out)""",
            new="""    c_idx = np.repeat(np.arange(C_in), KH * KW)[:, None]                          # (C_in*KH*KW, 1)
    rows = (np.tile(np.repeat(np.arange(KH), KW), C_in)[:, None]
            + stride * np.repeat(np.arange(H_out), W_out)[None, :])                   # (C_in*KH*KW, H_out*W_out)
    colsx = (np.tile(np.arange(KW), KH * C_in)[:, None]
             + stride * np.tile(np.arange(W_out), H_out)[None, :])
    cols = xp[:, c_idx, rows, colsx].transpose(1, 0, 2).reshape(C_in * KH * KW, N * H_out * W_out)""",
            also=((COL2IM, """    dxp = np.zeros(xp.shape, dtype=x.dtype)
    dcols = dcols.reshape(C_in * KH * KW, N, H_out * W_out).transpose(1, 0, 2)
    np.add.at(dxp, (slice(None), c_idx, rows, colsx), dcols)
    dx = dxp[:, :, pad:pad + H, pad:pad + W]"""),)),
    Variant("dx as the full correlation with the flipped kernel (dilated dout)",
            old=COL2IM, new=FULL_CORRELATION.replace("{FLIP}", "[:, :, ::-1, ::-1]")),
    Variant("dw and db with einsum on the window view",
            old="""    db = g.sum(axis=1)                    # b[o] is added at every position of every image
    dw = (g @ cols.T).reshape(w.shape)""",
            new="""    db = np.einsum("nohw->o", dout)
    dw = np.einsum("nohw,nchwuv->ocuv", dout, patches, optimize=True)"""),
    Variant("max-pool forward with max over the window axes",
            old=POOL_FWD_LOOP, new="    return windows.max(axis=(4, 5))"),
    Variant("max-pool backward with argmax of the flattened windows",
            old="""    top = windows[..., 0, 0]
    for u in range(size):
        for v in range(size):
            top = np.maximum(top, windows[..., u, v])
""" + POOL_BWD_ROUTE,
            new="""    arg = windows.reshape(windows.shape[:4] + (size * size,)).argmax(axis=4)
    dx = np.zeros_like(x)
    for k in range(size * size):
        u, v = divmod(k, size)
        dx[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride] += np.where(arg == k, dout, 0)
    return dx"""),
    Variant("max-pool backward sending a tie's gradient to the LAST maximum",
            old="""    for u in range(size):                         # row-major order: the first tied maximum wins
        for v in range(size):
            first""",
            new="""    for u in reversed(range(size)):
        for v in reversed(range(size)):
            first"""),
    Variant("flatten with np.reshape and len",
            old="return x.reshape(x.shape[0], -1)", new="return np.reshape(x, (len(x), -1))"),
    # --- issue 15 held-out probe (fresh correct variants, now catalogued) ------------------
    Variant("conv forward with naive loops over output positions (tensordot per position)", old=FWD_BODY,
            new="""    N = x.shape[0]
    H_out = (xp.shape[2] - KH) // stride + 1
    W_out = (xp.shape[3] - KW) // stride + 1
    out = np.zeros((N, C_out, H_out, W_out), dtype=x.dtype)
    for i in range(H_out):
        for j in range(W_out):
            patch = xp[:, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
            out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out"""),
    Variant("conv backward with naive loops over output positions", old=BWD_BODY,
            new=LOOP_BWD),
    Variant("conv backward computed in float64, cast back to the input dtype",
            old="    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n    patches",
            new="    dtype = x.dtype\n    x, w, dout = x.astype(np.float64), w.astype(np.float64), dout.astype(np.float64)\n"
                "    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n    patches",
            also=(("    return dx, dw, db", "    return dx.astype(dtype), dw.astype(dtype), db.astype(dtype)"),)),
    Variant("output size with int() of a true division",
            old="return (n + 2 * pad - k) // stride + 1", new="return int((n + 2 * pad - k) / stride) + 1"),
    Variant("max-pool forward: flatten each window and take max",
            old=POOL_FWD_LOOP, new="    return windows.reshape(windows.shape[:4] + (-1,)).max(axis=-1)"),
    Variant("max-pool backward: naive loops with np.argmax per window (first maximum)",
            old=POOL_BWD_ROUTE, new=POOL_BWD_LOOP_NO_STRIDE.replace("i + row, j + col", "i * stride + row, j * stride + col")),
    Variant("flatten with np.prod and np.reshape",
            old="return x.reshape(x.shape[0], -1)", new="return x.reshape(len(x), int(np.prod(x.shape[1:])))",
            also=(("return dout.reshape(x_shape)", "return np.reshape(dout, x_shape)"),)),
    Variant("conv forward: explicit zero padding and np.newaxis bias",
            old=PAD_FWD,
            new="    xp = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)], mode='constant', constant_values=0)\n    # Every window",
            also=((FWD_RETURN, "return out.transpose(1, 0, 2, 3) + b[np.newaxis, :, np.newaxis, np.newaxis]"),)),
    # --- issue 15 third held-out round (fresh correct variants, now catalogued) ---------------
    Variant("output size: (n + 2p - k + stride) // stride", old=OUT, new="return (n + 2 * pad - k + stride) // stride"),
    Variant("conv fwd: per-output-channel loop with np.sum over window axes", old=FWD_BODY,
           new="""    windows = sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]
    outs = [np.sum(windows * w[o][None, :, None, None], axis=(1, 4, 5)) + b[o] for o in range(C_out)]
    return np.stack(outs, axis=1).astype(x.dtype, copy=False)""".replace("w[o][None, :, None, None]", "w[o][None, :, None, None, :, :]")),
    Variant("conv bwd: dx by conv2d_forward of the dilated, padded dout with the flipped kernel", old=COL2IM,
           new="""    Hp, Wp = xp.shape[2:]
    spread = np.zeros((N, C_out, stride * (H_out - 1) + 1, stride * (W_out - 1) + 1), dtype=dout.dtype)
    spread[:, :, ::stride, ::stride] = dout
    full = np.pad(spread, ((0, 0), (0, 0), (KH - 1, Hp - spread.shape[2]), (KW - 1, Wp - spread.shape[3])))
    dxp = conv2d_forward(full, w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3), np.zeros(C_in, dtype=dout.dtype), 1, 0)
    dx = dxp[:, :, pad:pad + H, pad:pad + W]"""),
    Variant("maxpool fwd: as_strided windows and amax", old=POOL_FWD_LOOP,
           new="""    N, C, H, W = x.shape
    Ho, Wo = (H - size) // stride + 1, (W - size) // stride + 1
    sN, sC, sH, sW = x.strides
    win = np.lib.stride_tricks.as_strided(x, (N, C, Ho, Wo, size, size), (sN, sC, sH * stride, sW * stride, sH, sW))
    return np.amax(win, axis=(-2, -1))"""),
    Variant("maxpool bwd: loops over windows, first max via argmax on a copy", old=POOL_BWD_ROUTE,
           new="""    dx = np.zeros_like(x)
    flat = windows.reshape(windows.shape[:4] + (size * size,))
    arg = flat.argmax(axis=-1)
    for i in range(H_out):
        for j in range(W_out):
            u, v = np.divmod(arg[:, :, i, j], size)
            n_idx, c_idx = np.indices(arg.shape[:2])
            np.add.at(dx, (n_idx, c_idx, i * stride + u, j * stride + v), dout[:, :, i, j])
    return dx"""),
    Variant("flatten: ascontiguousarray and x[0].size; backward np.reshape", old="return x.reshape(x.shape[0], -1)",
           new="return np.ascontiguousarray(x).reshape(x.shape[0], x[0].size)"),
]

# --- issue 15 fourth held-out round (fresh mistakes and variants, now catalogued) ------------

OFFSETS_FWD = """    N, _, H, W = x.shape
    H_out, W_out = conv_output_size(H, KH, stride, pad), conv_output_size(W, KW, stride, pad)
    out = np.zeros((N, C_out, H_out, W_out), dtype=x.dtype)
    for u in range(KH):
        for v in range(KW):
            shifted = xp[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride]
            out += np.einsum("nchw,oc->nohw", shifted, w[:, :, u, v])
    return out + b[None, :, None, None]"""

POOL_FWD_LOOPS = """    N, C, H, W = x.shape
    H_out, W_out = (H - size) // stride + 1, (W - size) // stride + 1
    out = np.empty((N, C, H_out, W_out), dtype=x.dtype)
    for i in range(H_out):
        for j in range(W_out):
            out[:, :, i, j] = x[:, :, i * stride:i * stride + size, j * stride:j * stride + size].max(axis=(2, 3))
    return out"""

POOL_BWD_LOOPS = """    dx = np.zeros_like(x)
    N, C = x.shape[:2]
    for i in range(H_out):
        for j in range(W_out):
            win = x[:, :, i * stride:i * stride + size, j * stride:j * stride + size].reshape(N, C, -1)
            k = win.argmax(axis=2)
            onehot = (np.arange(size * size) == k[..., None]).reshape(N, C, size, size)
            dx[:, :, i * stride:i * stride + size, j * stride:j * stride + size] += onehot * dout[:, :, i, j][..., None, None]
    return dx"""

CHANNEL_LOOP_FWD = """    N = x.shape[0]
    H_out = (xp.shape[2] - KH) // stride + 1
    W_out = (xp.shape[3] - KW) // stride + 1
    out = np.zeros((N, C_out, H_out, W_out), dtype=x.dtype)
    windows = sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]
    for c in range(C_in):
        out += np.einsum("nhwuv,ouv->nohw", windows[:, c], w[:, c]) + b[None, :, None, None]
    return out"""

MUTANTS += [
    Mutant("out size: stride and pad arguments mixed up", old=OUT,
           new="return (n + 2 * stride - k) // pad + 1", expect='the arguments are mixed up'),
    Mutant("conv fwd: offsets loop adds the bias inside the loop (KH*KW times)", old=FWD_BODY,
           new=OFFSETS_FWD.replace("w[:, :, u, v])\n    return out + b[None, :, None, None]",
                                   "w[:, :, u, v]) + b[None, :, None, None]\n    return out"), expect='the bias is added 12 times instead of once (12 = KH*KW'),
    Mutant("conv fwd: offsets loop W_out from H (mixing arguments)", old=FWD_BODY,
           new=OFFSETS_FWD.replace("conv_output_size(W, KW, stride, pad)", "conv_output_size(H, KW, stride, pad)"),
           expect='right only for square images'),
    Mutant("conv fwd: always returns float32", old=FWD_RETURN,
           new="return (out.transpose(1, 0, 2, 3) + b.reshape(1, C_out, 1, 1)).astype(np.float32)",
           expect='a float64 input must give a float64 result'),
    Mutant("conv bwd: dw einsum with u,v swapped", old="    dw = (g @ cols.T).reshape(w.shape)\n",
           new="    dw = np.einsum('nohw,nchwuv->ocvu', dout, patches, optimize=True)\n", expect='dw has shape (8, 2, 4, 3): its last two axes are swapped'),
    Mutant("conv bwd: full correlation without swapping the kernel's channel axes", old=COL2IM,
           new=FULL_CORRELATION.replace("{FLIP}", "[:, :, ::-1, ::-1]").replace(".transpose(1, 0, 2, 3)", ""),
           expect="in np.einsum the letter 'o' names an axis of size 8 (C_out)"),
    Mutant("conv bwd: loop drops the last output row (range(H_out - 1))", old=BWD_BODY,
           new=LOOP_BWD.replace("for i in range(H_out):", "for i in range(H_out - 1):"), expect='contribute nothing to the gradients'),
    Mutant("conv bwd: loop takes dw patches from the unpadded x", old=BWD_BODY,
           new=LOOP_BWD.replace("patch = xp[:, :, r0:r0 + KH, c0:c0 + KW]", "patch = x[:, :, r0:r0 + KH, c0:c0 + KW]"),
           expect='a window cut from x (not xp)'),
    Mutant("maxpool fwd: loop windows one pixel short (size - 1)", old=POOL_FWD_LOOP,
           new=POOL_FWD_LOOPS.replace("i * stride:i * stride + size, j * stride:j * stride + size",
                                      "i * stride:i * stride + size - 1, j * stride:j * stride + size - 1"),
           expect='the windows are cut short'),
    Mutant("maxpool fwd: max with keepdims", old=POOL_FWD_LOOP,
           new="    return windows.max(axis=(4, 5), keepdims=True)", expect='extra axes of length 1'),
    Mutant("maxpool bwd: loop takes dout[:, :, j, i] (indices swapped)", old=POOL_BWD_ROUTE,
           new=POOL_BWD_LOOPS.replace("dout[:, :, i, j][..., None, None]", "dout[:, :, j, i][..., None, None]"),
           expect='4 is in range for W_out'),
    Mutant("maxpool bwd: early return inside the offsets loop", old=POOL_BWD_ROUTE,
           new=POOL_BWD_ROUTE.replace("np.where(first, dout, 0)\n    return dx",
                                      "np.where(first, dout, 0)\n        return dx"), expect='wrong for those whose maximum lies at'),
    Mutant("flatten: reshape(N, C*H) (a factor forgotten)", old="return x.reshape(x.shape[0], -1)",
           new="return x.reshape(x.shape[0], x.shape[1] * x.shape[2])", expect='20 (C*H)'),
    Mutant("conv bwd: dxp aliases xp when pad == 0 (zeroes the padded input)", old=BWD_BODY,
           new=LOOP_BWD.replace("    dxp = np.zeros_like(xp)\n", "    dxp = xp if pad == 0 else np.zeros_like(xp)\n    dxp[...] = 0\n"),
           expect='right with padding and wrong without (pad = 0)'),
    Mutant("conv fwd: bias added inside the loop over input channels", old=FWD_BODY, new=CHANNEL_LOOP_FWD,
           expect='the bias is added 2 times instead of once (2 = C_in)'),
    Mutant("conv bwd: loop drops the last output column", old=BWD_BODY,
           new=LOOP_BWD.replace("for j in range(W_out):", "for j in range(W_out - 1):"), expect='the output column(s) [5] of 6'),
    Mutant("maxpool fwd: loop window start not multiplied by stride", old=POOL_FWD_LOOP,
           new=POOL_FWD_LOOPS.replace("i * stride:i * stride + size, j * stride:j * stride + size",
                                      "i:i + size, j:j + size"), expect='the start is not multiplied by the stride'),
    Mutant("out size: k and stride mixed up", old=OUT, new="return (n + 2 * pad - stride) // k + 1",
           expect='your code uses stride where the formula has k'),
    Mutant("maxpool bwd: loop starts at output row 1", old=POOL_BWD_ROUTE,
           new=POOL_BWD_LOOPS.replace("for i in range(H_out):", "for i in range(1, H_out):"), expect='the output row(s) [0]'),
    Mutant("flatten: reshape(N, H*W)", old="return x.reshape(x.shape[0], -1)",
           new="return x.reshape(x.shape[0], x.shape[2] * x.shape[3])", expect=('10 (H*W)', '35 (H*W)')),
    Mutant("maxpool fwd: min instead of max", old=POOL_FWD_LOOP,
           new="    return windows.min(axis=(4, 5))", expect='the MINIMUM of its window')
]

VARIANTS += [
    Variant("out size by counting range()", old=OUT, new="return len(range(0, n + 2 * pad - k + 1, stride))"),
    Variant("conv fwd with scipy.signal.correlate per (o, c)", old=FWD_BODY,
            new="""    from scipy.signal import correlate
    N = x.shape[0]
    full = np.stack([np.stack([sum(correlate(xp[n, c], w[o, c], mode="valid") for c in range(C_in))
                               for o in range(C_out)]) for n in range(N)])
    return (full[:, :, ::stride, ::stride] + b[None, :, None, None]).astype(x.dtype)"""),
    Variant("maxpool fwd: loops over output positions", old=POOL_FWD_LOOP, new=POOL_FWD_LOOPS),
    Variant("maxpool bwd: loops, one-hot of the argmax", old=POOL_BWD_ROUTE, new=POOL_BWD_LOOPS),
    Variant("flatten with np.stack of ravelled samples", old="return x.reshape(x.shape[0], -1)",
            new="return np.stack([s.ravel() for s in x])",
            also=(("return dout.reshape(x_shape)", "return np.stack([row.reshape(x_shape[1:]) for row in dout])"),)),
    Variant("conv bwd: loop col2im with np.add.at on slices", old=BWD_BODY,
            new=LOOP_BWD.replace("dxp[:, :, r0:r0 + KH, c0:c0 + KW] += np.einsum(\"no,ocuv->ncuv\", g, w)",
                                 "np.add.at(dxp, (slice(None), slice(None), slice(r0, r0 + KH), slice(c0, c0 + KW)), "
                                 "np.einsum(\"no,ocuv->ncuv\", g, w))")),
]

# Issue 15, fifth held-out round (probe of round 5, fixed in wt-h).
R5_OUT = "return (n + 2 * pad - k) // stride + 1"
R5_FWD_PRODUCT = "out = (w.reshape(C_out, -1) @ cols).reshape(C_out, N, H_out, W_out)"
R5_FWD_RETURN = "return out.transpose(1, 0, 2, 3) + b.reshape(1, C_out, 1, 1)"
R5_BWD_PATCHES = "    patches = sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]\n"
R5_DX_RET = "dx = dxp[:, :, pad:pad + H, pad:pad + W].transpose(1, 0, 2, 3)"
R5_POOLF = """    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]
    top = windows[..., 0, 0]
    for u in range(size):                  # np.maximum over the size*size offsets: much faster
        for v in range(size):              # than .max(axis=(4, 5)) on the strided view
            top = np.maximum(top, windows[..., u, v])
    return top
"""
R5_POOLB = """    dx = np.zeros_like(x)
    taken = np.zeros(top.shape, dtype=bool)       # windows whose maximum got its gradient already
    for u in range(size):                         # row-major order: the first tied maximum wins
        for v in range(size):
            first = (windows[..., u, v] == top) & ~taken
            taken |= first
            dx[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride] += np.where(first, dout, 0)
    return dx
"""
R5_FWD_BODY = """    C_out, C_in, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    # Every window as a view (N, C_in, H_out, W_out, KH, KW): nothing is copied yet.
    windows = sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]
    N, _, H_out, W_out = windows.shape[:4]
    # im2col: one column per output position, rows in the (C_in, KH, KW) order of w.reshape(C_out, -1).
    cols = windows.transpose(1, 4, 5, 0, 2, 3).reshape(C_in * KH * KW, N * H_out * W_out)
    out = (w.reshape(C_out, -1) @ cols).reshape(C_out, N, H_out, W_out)
    return out.transpose(1, 0, 2, 3) + b.reshape(1, C_out, 1, 1)
"""
R5_BWD_FROM_G = """    g = dout.transpose(1, 0, 2, 3).reshape(C_out, N * H_out * W_out)
    db = g.sum(axis=1)                    # b[o] is added at every position of every image
    dw = (g @ cols.T).reshape(w.shape)
    # col2im: column k of dcols is the gradient of window k; overlapping windows ADD up.
    dcols = (w.reshape(C_out, -1).T @ g).reshape(C_in, KH, KW, N, H_out, W_out)
    dxp = np.zeros((C_in, N) + xp.shape[2:], dtype=dcols.dtype)
    for u in range(KH):                   # a loop over the kernel offsets, not over pixels
        for v in range(KW):
            dxp[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride] += dcols[:, u, v]
    dx = dxp[:, :, pad:pad + H, pad:pad + W].transpose(1, 0, 2, 3)
    return dx, dw, db
"""
R5_NAIVE_BWD = """    g = None
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    db = np.zeros(C_out, dtype=x.dtype)
    for n in range(N):
        for f in range(C_out):
            db[f] += dout[n, f].sum()
            for i in range(H_out):
                for j in range(W_out):
                    hs, ws = i * stride, j * stride
                    dw[f] += xp[n, :, hs:hs + KH, ws:ws + KW] * dout[n, f, %s]
                    dxp[n, :, hs:hs + KH, ws:ws + KW] += w[f] * dout[n, f, i, j]
    dx = dxp[:, :, pad:pad + H, pad:pad + W]
    return dx, dw, db
"""
MUTANTS += [
 Mutant("out size: +1 forgotten only in the stride-1 branch", old=R5_OUT,
        new="if stride == 1:\n        return n + 2 * pad - k\n    return (n + 2 * pad - k) // stride + 1", expect='wrong exactly when stride is 1'),
 Mutant("conv fwd: bias reshaped (1, C_out, 1) (an axis missing)", old=R5_FWD_RETURN,
        new="return out.transpose(1, 0, 2, 3) + b[None, :, None]", expect='NumPy lines shapes up from the LAST axis'),
 Mutant("conv fwd: module-level im2col cache keyed by shapes (stale for new x)", old=R5_FWD_BODY,
        new="""    C_out, C_in, KH, KW = w.shape
    key = (x.shape, w.shape, stride, pad)
    if key not in _COLS_CACHE:
        xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
        windows = sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]
        _COLS_CACHE[key] = (windows.shape[:4], windows.transpose(1, 4, 5, 0, 2, 3).reshape(C_in * KH * KW, -1))
    (N, _, H_out, W_out), cols = _COLS_CACHE[key]
    out = (w.reshape(C_out, -1) @ cols).reshape(C_out, N, H_out, W_out)
    return out.transpose(1, 0, 2, 3) + b.reshape(1, C_out, 1, 1)
""", also=(("def conv2d_forward(x, w, b, stride=1, pad=0):", "_COLS_CACHE = {}\n\n\ndef conv2d_forward(x, w, b, stride=1, pad=0):"),),
        expect="the second answer is the one for the FIRST call's x"),
 Mutant("conv fwd: per-image loop uses x[0] for every image (typo)", old=R5_FWD_BODY,
        new="""    C_out, C_in, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    N = x.shape[0]
    H_out = conv_output_size(x.shape[2], KH, stride, pad)
    W_out = conv_output_size(x.shape[3], KW, stride, pad)
    out = np.zeros((N, C_out, H_out, W_out), dtype=x.dtype)
    for n in range(N):
        win = sliding_window_view(xp[0], (KH, KW), axis=(1, 2))[:, ::stride, ::stride]
        out[n] = np.einsum('chwuv,ocuv->ohw', win, w) + b[:, None, None]
    return out
""", expect='every sample of the batch holds the answer of sample 0'),
 Mutant("conv bwd: backward windows without ::stride", old=R5_BWD_PATCHES,
        new="    patches = sliding_window_view(xp, (KH, KW), axis=(2, 3))\n    H_out, W_out = patches.shape[2:4]\n",
        expect='N*H_out(stride 1)*W_out(stride 1)'),
 Mutant("conv bwd: dx reshaped (N, C_in, H, W) instead of transposed", old=R5_DX_RET,
        new="dx = dxp[:, :, pad:pad + H, pad:pad + W].reshape(N, C_in, H, W)", expect='then RESHAPED to (N, C_in, H, W)'),
 Mutant("conv bwd: naive loops, dw uses dout[n, f, j, i] (indices swapped)", old=R5_BWD_FROM_G.replace("    g = dout", "    g = dout"),
        new=R5_NAIVE_BWD % "j, i", expect='pairs dout[:, :, i, j] with',
        also=(("    cols = patches.transpose(1, 4, 5, 0, 2, 3).reshape(C_in * KH * KW, N * H_out * W_out)\n", ""),)),
 Mutant("conv bwd: dw cast to float32 always", old="dw = (g @ cols.T).reshape(w.shape)",
        new="dw = (g @ cols.T).reshape(w.shape).astype(np.float32)", expect='must have dtype float64, got float32'),
 Mutant("maxpool fwd: loops range(0, H - size, stride) drop the last window", old=R5_POOLF,
        new="""    N, C, H, W = x.shape
    rows = []
    for i in range(0, H - size, stride):
        cols = []
        for j in range(0, W - size, stride):
            cols.append(x[:, :, i:i + size, j:j + size].max(axis=(2, 3)))
        rows.append(np.stack(cols, axis=-1))
    return np.stack(rows, axis=-2)
""", expect='the last window of each row and column is dropped'),
 Mutant("maxpool fwd: window shape (size, stride) (arguments mixed)", old=R5_POOLF,
        new="""    windows = sliding_window_view(x, (size, stride), axis=(2, 3))[:, :, ::stride, ::stride]
    return windows.max(axis=(4, 5))
""", expect='the windows are cut short'),
 Mutant("maxpool bwd: argmax unravelled with divmod(idx, stride)", old=R5_POOLB,
        new="""    flat = windows.reshape(*windows.shape[:4], size * size)
    idx = flat.argmax(axis=-1)
    du, dv = np.divmod(idx, stride)
    dx = np.zeros_like(x)
    N, C = x.shape[:2]
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    dx[n, c, i * stride + du[n, c, i, j], j * stride + dv[n, c, i, j]] += dout[n, c, i, j]
    return dx
""", expect='unravelled with the stride'),
 Mutant("flatten fwd: C*H*H (W typed as H)", old="return x.reshape(x.shape[0], -1)",
        new="return x.reshape(x.shape[0], x.shape[1] * x.shape[2] * x.shape[2])", expect='C*H*H uses H twice'),
 Mutant("flatten bwd: reshape with order='F'", old="return dout.reshape(x_shape)",
        new="return np.reshape(dout, x_shape, order='F')", expect="column-major order (order='F')"),
 Mutant("conv bwd: db summed over axis (0, 2) only (W axis forgotten)", old="db = g.sum(axis=1)",
        new="db = dout.sum(axis=(0, 2))", expect='over the batch AND all output positions'),
 Mutant("conv fwd: W padding forgotten (pad on H only)", old="    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n    # Every window",
        new="    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (0, 0)))\n    # Every window",
           expect=('right without padding and wrong with pad > 0', 'W_out(pad 0) where W_out belongs')),
 Mutant("maxpool bwd: uses a global mask saved by the last forward call",
        old="""    H_out, W_out = windows.shape[2:4]
    top = windows[..., 0, 0]
    for u in range(size):
        for v in range(size):
            top = np.maximum(top, windows[..., u, v])
""", new="""    H_out, W_out = windows.shape[2:4]
    x_fwd, top = _POOL_ARGS            # saved by maxpool2d_forward
    windows = sliding_window_view(x_fwd, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]
""", expect='state left by an earlier call',
        also=((R5_POOLF, R5_POOLF.replace("    return top\n", "    global _POOL_ARGS\n    _POOL_ARGS = (x, top)\n    return top\n")),)),
]
VARIANTS += [
 Variant("out size as a ceiling: -(-(n + 2p - k + 1) // stride)", old=R5_OUT,
         new="return -(-(n + 2 * pad - k + 1) // stride)"),
 Variant("conv fwd: row-major im2col (positions x patch) @ w.T", old=R5_FWD_PRODUCT + "\n    " + R5_FWD_RETURN,
         new="rows = windows.transpose(0, 2, 3, 1, 4, 5).reshape(N * H_out * W_out, C_in * KH * KW)\n"
             "    out = (rows @ w.reshape(C_out, -1).T + b).reshape(N, H_out, W_out, C_out)\n"
             "    return np.ascontiguousarray(out.transpose(0, 3, 1, 2))"),
 Variant("maxpool bwd: np.add.at on flat indices of the window argmax", old=R5_POOLB,
         new="""    N, C, H, W = x.shape
    flat = windows.reshape(N, C, H_out, W_out, size * size)
    du, dv = np.divmod(flat.argmax(axis=-1), size)
    rows = np.arange(H_out)[:, None] * stride + du
    cols = np.arange(W_out)[None, :] * stride + dv
    dx = np.zeros_like(x)
    nn, cc = np.meshgrid(np.arange(N), np.arange(C), indexing="ij")
    np.add.at(dx, (nn[:, :, None, None], cc[:, :, None, None], rows, cols), dout)
    return dx
"""),
 Variant("maxpool fwd: reshape fast path when stride == size, generic view otherwise", old=R5_POOLF,
         new="""    N, C, H, W = x.shape
    if stride == size:
        Ho, Wo = H // size, W // size
        return x[:, :, :Ho * size, :Wo * size].reshape(N, C, Ho, size, Wo, size).max(axis=(3, 5))
    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]
    return windows.max(axis=(-2, -1))
"""),
 Variant("conv bwd: naive loops over positions (CS231n)", old=R5_BWD_FROM_G,
         new=R5_NAIVE_BWD % "i, j",
         also=(("    cols = patches.transpose(1, 4, 5, 0, 2, 3).reshape(C_in * KH * KW, N * H_out * W_out)\n", ""),)),
]

# Issue 15, sixth held-out round (probe of round 6, fixed in r6-d): mistakes named by general mechanisms
# (documented defaults, one edit of the size formula, wrong shapes read with the case's sizes, the output a
# backward pattern is about, sizes computed without the padding, shapes quoted in errors that are an argument's,
# max-pool right for one image and one channel only).
R6_OUT = "return (n + 2 * pad - k) // stride + 1"
R6_LOOP_FWD = """    C_out, C_in, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    N, _, Hp, Wp = xp.shape
    rows = range(0, Hp - KH + 1, stride)
    cols = range(0, Wp - KW + 1, stride)
    out = np.zeros((N, C_out, len(rows), len(cols)), dtype=x.dtype)
    for i, r0 in enumerate(rows):
        for j, c0 in enumerate(cols):
            patch = xp[:, :, r0:r0 + KH, c0:c0 + KW]
            out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out
"""
# the first maximum of each window only (a tie's gradient to one entry): a mask and its running count
R6_FIRST_TIE = ("(window == window.max(axis=(2, 3), keepdims=True)) & (np.cumsum((window == window.max(axis=(2, 3), "
                "keepdims=True)).reshape(*window.shape[:2], -1), axis=2).reshape(window.shape) == 1)")
R6_POOL_BWD_MASK = """    dx = np.zeros_like(x)
    for i in range(H_out):
        for j in range(W_out):
            r0, c0 = i * stride, j * stride
            window = x[:, :, r0:r0 + size, c0:c0 + size]
            mask = window == window.max(axis=(2, 3), keepdims=True)
            dx[:, :, r0:r0 + size, c0:c0 + size] += mask * dout[:, :, i, j][:, :, None, None]
    return dx"""

MUTANTS += [
    Mutant("r6 out size: parentheses missing (k // stride)", old=R6_OUT, new="return n + 2 * pad - k // stride + 1",
           expect='your code computes `n + 2 * pad - k // stride`'),
    Mutant("r6 out size: wrong default pad=1", old="def conv_output_size(n, k, stride=1, pad=0):",
           new="def conv_output_size(n, k, stride=1, pad=1):", expect='the default value of pad must be 0'),
    Mutant("r6 conv fwd: loop range(0, Hp - KH, stride) drops the last window", old=R5_FWD_BODY,
           new=R6_LOOP_FWD.replace("Hp - KH + 1", "Hp - KH").replace("Wp - KW + 1", "Wp - KW"), expect='the last window position is dropped'),
    Mutant("r6 conv fwd: loop slice width uses KH (c0 + KH)", old=R5_FWD_BODY,
           new=R6_LOOP_FWD.replace("c0:c0 + KW]", "c0:c0 + KH]"), expect='right for square kernels only'),
    Mutant("r6 conv fwd: b.shape set in place (mutates the caller's b)",
           old="return out.transpose(1, 0, 2, 3) + b.reshape(1, C_out, 1, 1)",
           new="b.shape = (1, C_out, 1, 1)\n    return out.transpose(1, 0, 2, 3) + b", expect='modified its input argument #3'),
    Mutant("r6 conv fwd: wrong default pad=1 ('same' habit)", old="def conv2d_forward(x, w, b, stride=1, pad=0):",
           new="def conv2d_forward(x, w, b, stride=1, pad=1):", expect='the default value of pad must be 0'),
    Mutant("r6 conv bwd: loop dw patches at (i, j) without the stride (dx right)", old=BWD_BODY,
           new=LOOP_BWD.replace('dw += np.einsum("no,ncuv->ocuv", g, patch)',
                                'dw += np.einsum("no,ncuv->ocuv", g, xp[:, :, i:i + KH, j:j + KW])'),
                                expect='dw is right for stride 1 and wrong for larger strides'),
    Mutant("r6 conv bwd: db = g.sum(axis=0) (wrong axis)", old="db = g.sum(axis=1)", new="db = g.sum(axis=0)", expect='db has shape (N*H_out*W_out)'),
    Mutant("r6 conv bwd: H_out from conv_output_size without pad (default)", old="    H_out, W_out = dout.shape[2:]\n",
           new="    H_out, W_out = conv_output_size(H, KH, stride), conv_output_size(W, KW, stride)\n",
           expect='pad 0 marks a size computed without the padding'),
    Mutant("r6 maxpool fwd: max(axis=-1).max(axis=-2) (second axis after the reduction)", old=POOL_FWD_LOOP,
           new="    return windows.max(axis=-1).max(axis=-2)", expect='axis 3 has size where W_out belongs'),
    Mutant("r6 maxpool fwd: reshape blocks with max over the block-index axes (2, 4)", old=POOL_FWD_LOOP,
           new="""    N, C, H, W = x.shape
    Ho, Wo = (H - size) // stride + 1, (W - size) // stride + 1
    blocks = x[:, :, :Ho * size, :Wo * size].reshape(N, C, Ho, size, Wo, size)
    return blocks.max(axis=(2, 4))""", expect='the maximum was taken over the window POSITIONS'),
    Mutant("r6 maxpool bwd: window max over the whole batch (no axis)", old=POOL_BWD_ROUTE,
           new=R6_POOL_BWD_MASK.replace("window.max(axis=(2, 3), keepdims=True)", "window.max()"),
           expect='wrong as soon as there are several images and channels'),
    Mutant("r6 maxpool bwd: dout[:, :, i, j] without the new axes", old=POOL_BWD_ROUTE,
           new=R6_POOL_BWD_MASK.replace("window == window.max(axis=(2, 3), keepdims=True)",
                                     R6_FIRST_TIE)
                               .replace("dout[:, :, i, j][:, :, None, None]", "dout[:, :, i, j]"),
           expect='NumPy lines shapes up from the LAST axis'),
    Mutant("r6 maxpool bwd: dx = np.zeros_like(dout)", old="    dx = np.zeros_like(x)\n    taken",
           new="    dx = np.zeros_like(dout)\n    taken", expect='is the shape of dout'),
    Mutant("r6 maxpool fwd: wrong default stride=1", old="def maxpool2d_forward(x, size=2, stride=2):",
           new="def maxpool2d_forward(x, size=2, stride=1):", expect='the default value of stride must be 2'),
    Mutant("r6 flatten fwd: reshape(N, C, -1) (channel axis not merged)", old="return x.reshape(x.shape[0], -1)",
           new="return x.reshape(x.shape[0], x.shape[1], -1)", expect='has shape (N, C, H*W) in every case'),
]

VARIANTS += [
    Variant("r6 out size by counting window ends", old=R6_OUT, new="return len(range(k, n + 2 * pad + 1, stride))"),
    Variant("r6 conv fwd: bias b[:, None, None]", old="return out.transpose(1, 0, 2, 3) + b.reshape(1, C_out, 1, 1)",
            new="return out.transpose(1, 0, 2, 3) + b[:, None, None]"),
    Variant("r6 conv fwd: loop with tensordot per window", old=R5_FWD_BODY, new=R6_LOOP_FWD),
    Variant("r6 conv bwd: dw by kernel offsets (einsum on strided slices)", old="    dw = (g @ cols.T).reshape(w.shape)\n",
            new="""    dw = np.empty_like(w)
    for u in range(KH):
        for v in range(KW):
            dw[:, :, u, v] = np.einsum("nohw,nchw->oc", dout, xp[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride])
"""),
    Variant("r6 maxpool fwd: zeros_like of a slice, loop fill", old=POOL_FWD_LOOP,
            new="""    N, C, H, W = x.shape
    H_out, W_out = windows.shape[2:4]
    out = np.zeros_like(x[:, :, :H_out, :W_out])
    for i in range(H_out):
        for j in range(W_out):
            out[:, :, i, j] = x[:, :, i * stride:i * stride + size, j * stride:j * stride + size].max(axis=(2, 3))
    return out"""),
    Variant("r6 maxpool bwd: mask with cumsum to keep the first tie", old=POOL_BWD_ROUTE,
            new=R6_POOL_BWD_MASK.replace("window == window.max(axis=(2, 3), keepdims=True)",
                                      R6_FIRST_TIE)),
    Variant("r6 flatten bwd: reshape(-1, *x_shape[1:])", old="return dout.reshape(x_shape)",
            new="return dout.reshape(-1, *x_shape[1:])"),
]

# Round 6, second held-out set (written after the general fixes, to test that they name mistakes nobody tuned
# them for; isolate.py and two more readings were added for those that were not named).
MUTANTS += [
    Mutant("r6b 1 conv fwd: mean over (C_in, KH, KW) instead of the sum", old=R5_FWD_BODY, new="""    C_out, C_in, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]
    prod = windows[:, None] * w[None, :, :, None, None]
    return prod.mean(axis=(2, 5, 6)) + b[None, :, None, None]
""", expect='a MEAN over the products where the convolution SUMS them'),
    Mutant("r6b 2 conv bwd: dx loop reads dout[:, :, j, i]", old=BWD_BODY,
           new=LOOP_BWD.replace('np.einsum("no,ocuv->ncuv", g, w)', 'np.einsum("no,ocuv->ncuv", dout[:, :, j, i], w)'),
           expect='(i and j, or H and W, swapped?)'),
    Mutant("r6b 3 conv bwd: db from dw (db = dw.sum(axis=(1, 2, 3)))", old="db = g.sum(axis=1)", new="db = (g @ cols.T).sum(axis=1)",
           expect='your result changes with x, which the expected result does not depend on'),
    Mutant("r6b 4 maxpool fwd: subsample x by the stride, then windows", old=POOL_FWD_LOOP,
           new="""    xs = x[:, :, ::stride, ::stride]
    H_out, W_out = (x.shape[2] - size) // stride + 1, (x.shape[3] - size) // stride + 1
    return sliding_window_view(xs, (size, size), axis=(2, 3))[:, :, :H_out, :W_out].max(axis=(4, 5))""",
           expect='a window spread out by the stride'),
    Mutant("r6b 5 maxpool bwd: argmax of sample 0, channel 0 for everyone", old=POOL_BWD_ROUTE, new="""    dx = np.zeros_like(x)
    for i in range(H_out):
        for j in range(W_out):
            r0, c0 = i * stride, j * stride
            window = x[:, :, r0:r0 + size, c0:c0 + size]
            u, v = np.unravel_index(window[0, 0].argmax(), (size, size))
            dx[:, :, r0 + u, c0 + v] += dout[:, :, i, j]
    return dx""", expect='wrong as soon as there are several images and channels'),
    # Held-out measurement after round 6: both uncaught (a size returned as a float; windows never all negative).
    Mutant("conv_output_size returns np.floor of a true division (a float)", old=OUT,
           new="return np.floor((n + 2 * pad - k) / stride) + 1", expect="not an int"),
    Mutant("max-pool running maximum started from zeros", old=POOL_FWD_LOOP,
           new=POOL_FWD_LOOP.replace("top = windows[..., 0, 0]", "top = np.zeros_like(windows[..., 0, 0])"),
           expect="the running maximum starts from 0"),
]
VARIANTS += [
    Variant("r6b V1 conv fwd: einsum on the window view with optimize", old=R5_FWD_BODY, new="""    C_out, C_in, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]
    return np.einsum("nchwuv,ocuv->nohw", windows, w, optimize=True) + b[None, :, None, None]
"""),
]

# Round 7: the round-6 measurement's mistakes that were not named or named with a wrong cause, after the
# general fixes (NumPy's own error words translated, a pattern that separates the cases exactly preferred and
# the exception's size guesses dropped when it does, one-sample gradients, axes named in a wrong shape).
R7_NAIVE_FWD = """    C_out, C_in, KH, KW = w.shape
    N, _, H, W = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    H_out = conv_output_size(H, KH, stride, pad)
    W_out = conv_output_size(W, KW, stride, pad)
    out = np.zeros((N, C_out, H_out, W_out), dtype=x.dtype)
    for n in range(N):
        for o in range(C_out):
            for i in range(H_out):
                for j in range(W_out):
                    window = xp[n, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
                    out[n, o, i, j] = np.sum(window * w[o]) + b
    return out
"""
R7_POOL_BWD_TOP = """    H_out, W_out = windows.shape[2:4]
    top = windows[..., 0, 0]
    for u in range(size):
        for v in range(size):
            top = np.maximum(top, windows[..., u, v])
"""
MUTANTS += [
    Mutant("r7 conv fwd: naive loops add the whole bias vector (+ b, not + b[o])", old=R5_FWD_BODY, new=R7_NAIVE_FWD,
           expect="an ARRAY was assigned to ONE element"),
    Mutant("r7 conv bwd: dw from sample 0 only", old="    dw = (g @ cols.T).reshape(w.shape)\n",
           new="    dw = np.einsum('ohw,chwuv->ocuv', dout[0], patches[0])\n",
           expect="dw holds the contribution of the FIRST sample only"),
    Mutant("r7 conv bwd: dx cropped pad:pad + H along W too", old=R5_DX_RET,
           new="dx = dxp[:, :, pad:pad + H, pad:pad + H].transpose(1, 0, 2, 3)",
           expect="axis 3 has 7, the size of H, where W (9) belongs"),
    Mutant("r7 conv bwd: dcols reshaped (C_in, KW, KH, ...)",
           old="dcols = (w.reshape(C_out, -1).T @ g).reshape(C_in, KH, KW, N, H_out, W_out)",
           new="dcols = (w.reshape(C_out, -1).T @ g).reshape(C_in, KW, KH, N, H_out, W_out)",
           expect="right for square kernels only"),
    Mutant("r7 maxpool bwd: maxima from maxpool2d_forward(x, size) (stride dropped)", old=R7_POOL_BWD_TOP,
           new="    H_out, W_out = windows.shape[2:4]\n    top = maxpool2d_forward(x, size)\n",
           expect="the stride argument is lost somewhere, so the default is used"),
    Mutant("r7 maxpool bwd: routes 1 instead of dout", old="+= np.where(first, dout, 0)", new="+= np.where(first, 1, 0)",
           expect="dx marks the maxima with 1"),
    Mutant("r7 flatten bwd: reshape to (N, C, W, H)", old="return dout.reshape(x_shape)",
           new="return dout.reshape(x_shape[0], x_shape[1], x_shape[3], x_shape[2])", expect="two axes are swapped"),
    Mutant("r7 conv bwd: dout transposed (1, 0, 3, 2) before flattening",
           old="g = dout.transpose(1, 0, 2, 3).reshape(C_out, N * H_out * W_out)",
           new="g = dout.transpose(1, 0, 3, 2).reshape(C_out, N * H_out * W_out)",
           expect="pairs dout[:, :, i, j] with"),
    Mutant("r7 maxpool fwd: np.maximum(..., out=top) into the read-only window view", old=POOL_FWD_LOOP,
           new=POOL_FWD_LOOP.replace("top = np.maximum(top, windows[..., u, v])", "np.maximum(top, windows[..., u, v], out=top)"),
           expect="the code writes into a read-only array"),
]

# Round 7, fresh held-out set (measured before the fixes: 9/9 caught, 8 strictly named, 1 not named (dw from
# cols @ g.T), no wrong cause, no blast; 4/4 variants full marks).
R7_OUT = "return (n + 2 * pad - k) // stride + 1"
MUTANTS += [
    Mutant("r7h out size rounded to nearest", old=R7_OUT, new="return int(round((n + 2 * pad - k) / stride)) + 1",
           expect="rounded to the nearest integer (round)"),
    Mutant("r7h conv fwd: + b broadcast along the last axis", old="    return out.transpose(1, 0, 2, 3) + b.reshape(1, C_out, 1, 1)\n",
           new="    return out.transpose(1, 0, 2, 3) + b\n", expect="broadcasts against the LAST axis (W_out)"),
    Mutant("r7h conv fwd: kernel flipped (true convolution)",
           old="    C_out, C_in, KH, KW = w.shape\n    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n    # Every window",
           new="    C_out, C_in, KH, KW = w.shape\n    w = w[:, :, ::-1, ::-1]\n    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n    # Every window",
           expect="the kernel is flipped"),
    Mutant("r7h conv fwd: padding with mode='edge'", old="    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n    # Every window",
           new="    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode='edge')\n    # Every window",
           expect="the padding is not zeros"),
    Mutant("r7h conv bwd: db summed over (0, 2) only", old="    db = g.sum(axis=1)", new="    db = dout.sum(axis=(0, 2))",
           expect="db has shape (C_out, W_out)"),
    Mutant("r7h conv bwd: dw = cols @ g.T reshaped to w.shape", old="    dw = (g @ cols.T).reshape(w.shape)\n",
           new="    dw = (cols @ g.T).reshape(w.shape)\n", expect="computed with its axes in the order (C_in, KH, KW, C_out)"),
    Mutant("r7h maxpool fwd: max over the window positions (axes 2, 3)",
           old="    top = windows[..., 0, 0]\n    for u in range(size):                  # np.maximum",
           new="    return windows.max(axis=(2, 3))\n    top = windows[..., 0, 0]\n    for u in range(size):                  # np.maximum",
           expect="the maximum was taken over the window POSITIONS"),
    Mutant("r7h maxpool bwd: every tied maximum gets the whole dout", old="            first = (windows[..., u, v] == top) & ~taken\n",
           new="            first = (windows[..., u, v] == top)\n", expect="each receiving the full dout"),
    Mutant("r7h conv bwd: dx reshaped instead of transposed", old="    dx = dxp[:, :, pad:pad + H, pad:pad + W].transpose(1, 0, 2, 3)\n",
           new="    dx = dxp[:, :, pad:pad + H, pad:pad + W].reshape(N, C_in, H, W)\n", expect="and then RESHAPED to (N, C_in, H, W)"),
]
VARIANTS += [
    Variant("r7h out size int(true division) + 1", old=R7_OUT, new="return int((n + 2 * pad - k) / stride) + 1"),
    Variant("r7h maxpool fwd: reshape windows to (..., size*size) and max",
            old="    top = windows[..., 0, 0]\n    for u in range(size):                  # np.maximum",
            new="    return windows.reshape(*windows.shape[:4], -1).max(axis=-1)\n    top = windows[..., 0, 0]\n"
                "    for u in range(size):                  # np.maximum"),
    Variant("r7h flatten fwd np.reshape(x, (len(x), -1))", old="return x.reshape(x.shape[0], -1)",
            new="return np.reshape(x, (len(x), -1))"),
    Variant("r7h conv bwd db = dout.sum(axis=(0, 2, 3))", old="    db = g.sum(axis=1)", new="    db = dout.sum(axis=(0, 2, 3))"),
]

# Round 7, second held-out set (after the fixes above): 4/4 named before any change, the variant full marks.
MUTANTS += [
    Mutant("r7x conv fwd: stride applied along H only",
           old="    windows = sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]\n    N, _, H_out",
           new="    windows = sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::stride, :]\n    N, _, H_out",
           expect="the stride is applied along H only"),
    Mutant("r7x conv bwd: db = g.sum(axis=0)", old="    db = g.sum(axis=1)", new="    db = g.sum(axis=0)",
           expect="axis 0 has N*H_out*W_out where C_out belongs"),
    Mutant("r7x out size without + 1", old=R7_OUT, new="return (n + 2 * pad - k) // stride", expect="the +1 is missing"),
    Mutant("r7x maxpool fwd: offsets over range(size - 1)", old="    for u in range(size):                  # np.maximum",
           new="    for u in range(size - 1):                  # np.maximum", expect="the windows are cut short"),
]
VARIANTS += [
    Variant("r7x conv fwd einsum", old="    out = (w.reshape(C_out, -1) @ cols).reshape(C_out, N, H_out, W_out)\n"
                                       "    return out.transpose(1, 0, 2, 3) + b.reshape(1, C_out, 1, 1)\n",
            new="    return np.einsum('ncijuv,ocuv->noij', windows, w) + b[None, :, None, None]\n"),
]

# Round 8 (the m7d held-out measurement): the padding told from the output size, an ignored argument
# found by changing it, every order of the flattened axes.
MUTANTS += [
    Mutant("r8 conv fwd: loops with H_out/W_out computed without the padding", old=FWD_BODY,
           new="""    N, _, H, W = x.shape
    H_out = (H - KH) // stride + 1
    W_out = (W - KW) // stride + 1
    out = np.zeros((N, C_out, H_out, W_out), dtype=x.dtype)
    for i in range(H_out):
        for j in range(W_out):
            patch = xp[:, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
            out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out""", expect="the input is padded but H_out and W_out leave the padding out"),
    Mutant("r8 output size: pad ignored, 'same' padding k // 2 assumed", old=OUT,
           new="return (n + 2 * (k // 2) - k) // stride + 1", expect="the result ignores `pad`"),
    Mutant("r8 flatten fwd: (C, W, H) order", old="return x.reshape(x.shape[0], -1)",
           new="return x.swapaxes(2, 3).reshape(x.shape[0], -1)", expect="the features are in (C, W, H) order"),
]
MUTANTS += [
    Mutant("r8 conv fwd: kernel matrix cached in a module global on the first call (stale w)", old=FWD_PRODUCT,
           new="global _WMAT\n    if '_WMAT' not in globals():\n        _WMAT = w.reshape(C_out, -1)\n"
               "    out = (_WMAT @ cols).reshape(C_out, N, H_out, W_out)",
           expect="the result ignores the w it is given from the second call on"),
    Mutant("r8 conv bwd: W_out = H_out = dout.shape[2] (square outputs assumed)",
           old="    H_out, W_out = dout.shape[2:]\n", new="    H_out = W_out = dout.shape[2]\n", expect="uses H_out twice"),
]
MUTANTS += [
    Mutant("r8 maxpool bwd: np.add.at on flat indices with row length W_out instead of W", old=POOL_BWD_FULL,
           new="""    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]
    N, C, H, W = x.shape
    H_out, W_out = windows.shape[2:4]
    idx = windows.reshape(N, C, H_out, W_out, size * size).argmax(axis=-1)
    r, c = np.divmod(idx, size)
    rows = np.arange(H_out)[:, None] * stride + r
    cols = np.arange(W_out)[None, :] * stride + c
    flat = rows * W_out + cols
    dx = np.zeros((N, C, H * W), dtype=x.dtype)
    nn, cc = np.meshgrid(np.arange(N), np.arange(C), indexing="ij")
    np.add.at(dx, (nn[:, :, None, None], cc[:, :, None, None], flat), dout)
    return dx.reshape(x.shape)
""", expect="the error is in where the values go within a plane"),
]

# Round 9 (r9d held-out measurement and the open items of round 8): mistakes named by general readings (the im2col
# matrix or the kernel entries read in another axis order, one input channel alone, the product of batch sums, an
# empty slice at pad 0, an axis number gone after a reduction, argmax for max, the stride along one axis only, a
# window's maximum along one axis, dout compared where the maxima belong, every result of sample 0 only, a square
# side from a square root) and correct variants.
_R9_POOL_FWD = ("    top = windows[..., 0, 0]\n    for u in range(size):                  # np.maximum over the size*size "
                "offsets: much faster\n        for v in range(size):              # than .max(axis=(4, 5)) on the "
                "strided view\n            top = np.maximum(top, windows[..., u, v])\n    return top\n")
MUTANTS += [
    Mutant("r9 conv fwd: manual zero buffer filled with xp[:, :, pad:-pad, pad:-pad] = x (empty at pad 0)",
           old="    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n    # Every window",
           new=("    xp = np.zeros(x.shape[:2] + (x.shape[2] + 2 * pad, x.shape[3] + 2 * pad), dtype=x.dtype)\n"
                "    xp[:, :, pad:-pad, pad:-pad] = x\n    # Every window"), expect="a slice pad:-pad is 0:-0 = 0:0"),
    Mutant("r9 conv fwd: kernel matrix flattened in (KH, KW, C_in) order while cols are (C_in, KH, KW)",
           old=FWD_PRODUCT, new=FWD_PRODUCT.replace("w.reshape(C_out, -1)", "w.transpose(0, 2, 3, 1).reshape(C_out, -1)"),
           expect="kernel entries read in (KH, KW, C_in) order"),
    Mutant("r9 conv fwd: np.pad on axes (N, C) instead of (H, W) (channels-last habit)",
           old="    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n    # Every window",
           new="    xp = np.pad(x, ((pad, pad), (pad, pad), (0, 0), (0, 0)))\n    # Every window",
           expect="N + 2*pad is the batch axis padded too"),
    Mutant("r9 conv fwd: im2col reshape without the transpose (windows.reshape)", old=FWD_COLS,
           new="cols = windows.reshape(C_in * KH * KW, N * H_out * W_out)", expect="with no transpose"),
    Mutant("r9 conv fwd: input channel 0 only (MNIST single-channel habit)", old=FWD_PRODUCT,
           new=("out = (w[:, :1].reshape(C_out, -1) @ windows[:, :1].transpose(1, 4, 5, 0, 2, 3).reshape(KH * KW, -1))"
                ".reshape(C_out, N, H_out, W_out)"), expect="the convolution of input channel 0 alone"),
    Mutant("r9 conv bwd: dw with dout summed over the batch before the product",
           old="    dw = (g @ cols.T).reshape(w.shape)\n",
           new="    dw = np.einsum('ohw,nchwuv->ocuv', dout.sum(axis=0), patches)\n",
           expect="the sum of the products, not the product of the sums"),
    Mutant("r9 conv bwd: return inside the sample loop (naive loops, sample 0 only)",
           old="    dw = (g @ cols.T).reshape(w.shape)\n",
           new=("    dw = (g @ cols.T).reshape(w.shape)\n    dxp0 = np.zeros_like(xp)\n    dw0 = np.zeros_like(w)\n"
                "    for n in range(N):\n        for i in range(H_out):\n            for j in range(W_out):\n"
                "                r0, c0 = i * stride, j * stride\n                for o in range(C_out):\n"
                "                    dw0[o] += dout[n, o, i, j] * xp[n, :, r0:r0 + KH, c0:c0 + KW]\n"
                "                    dxp0[n, :, r0:r0 + KH, c0:c0 + KW] += dout[n, o, i, j] * w[o]\n"
                "        return dxp0[:, :, pad:pad + H, pad:pad + W], dw0, db\n"),
           expect="the loop over the samples ends after its first pass"),
    Mutant("r9 maxpool fwd: max(axis=4).max(axis=5) (axis numbers shift after the first reduction)", old=_R9_POOL_FWD,
           new="    return windows.max(axis=4).max(axis=5)\n", expect="every later axis number drops by one"),
    Mutant("r9 maxpool fwd: argmax instead of max", old=_R9_POOL_FWD,
           new="    return windows.reshape(windows.shape[:4] + (-1,)).argmax(axis=-1).astype(x.dtype)\n",
           expect="the POSITION of the window's maximum"),
    Mutant("r9 maxpool fwd: stride applied along H only",
           old="    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]\n    top = windows[..., 0, 0]\n    for u in range(size):                  #",
           new="    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride]\n    top = windows[..., 0, 0]\n    for u in range(size):                  #",
           expect="the stride is applied along H only"),
    Mutant("r9 maxpool fwd: loops with H_out = H // stride", old=_R9_POOL_FWD,
           new=("    N, C, H, W = x.shape\n    out = np.empty((N, C, H // stride, W // stride), dtype=x.dtype)\n"
                "    for i in range(H // stride):\n        for j in range(W // stride):\n"
                "            out[:, :, i, j] = x[:, :, i * stride:i * stride + size, j * stride:j * stride + size].max(axis=(2, 3))\n"
                "    return out\n"), expect="the output size is H // stride"),
    Mutant("r9 maxpool bwd: mask compares the windows with dout instead of the maxima",
           old="            first = (windows[..., u, v] == top) & ~taken\n",
           new="            first = (windows[..., u, v] == dout) & ~taken\n", expect="compares the windows with dout"),
    Mutant("r9 maxpool bwd: loops over windows, max over axis 2 only (keepdims)",
           old="    dx = np.zeros_like(x)\n    taken = np.zeros(top.shape, dtype=bool)",
           new=("    dx = np.zeros_like(x)\n    for i in range(H_out):\n        for j in range(W_out):\n"
                "            win = x[:, :, i * stride:i * stride + size, j * stride:j * stride + size]\n"
                "            mask = win == win.max(axis=2, keepdims=True)\n"
                "            dx[:, :, i * stride:i * stride + size, j * stride:j * stride + size] += mask * dout[:, :, i, j][:, :, None, None]\n"
                "    return dx\n    taken = np.zeros(top.shape, dtype=bool)"),
           expect="the maximum of each COLUMN of the window"),
    Mutant("r9 flatten bwd: assumes one square channel (MNIST habit)", old="return dout.reshape(x_shape)",
           new="side = int(np.sqrt(dout.shape[1]))\n    return dout.reshape(-1, 1, side, side)",
           expect="a side computed as if the images were square"),
    Mutant("r9 out size: signature (n, k, pad=0, stride=1) (pad and stride order swapped)",
           old="def conv_output_size(n, k, stride=1, pad=0):", new="def conv_output_size(n, k, pad=0, stride=1):",
           expect="your code uses pad where the formula has stride"),
]
VARIANTS += [
    Variant("r9 conv fwd: loop over output channels, tensordot per channel",
            old=f"    {FWD_COLS}\n    {FWD_PRODUCT}\n    {FWD_RETURN}",
            new=("    out = np.empty((N, C_out, H_out, W_out), dtype=x.dtype)\n    for o in range(C_out):\n"
                 "        out[:, o] = np.tensordot(windows, w[o], axes=([1, 4, 5], [0, 1, 2])) + b[o]\n    return out")),
    Variant("r9 maxpool fwd: np.maximum.reduce over the stacked offsets", old=_R9_POOL_FWD,
            new="    return np.maximum.reduce([windows[..., u, v] for u in range(size) for v in range(size)])\n"),
    Variant("r9 maxpool bwd: loops over windows, first maximum by argmax + unravel_index, vectorised over N, C",
            old="    dx = np.zeros_like(x)\n    taken = np.zeros(top.shape, dtype=bool)",
            new=("    dx = np.zeros_like(x)\n    N, C = x.shape[:2]\n"
                 "    nn, cc = np.meshgrid(np.arange(N), np.arange(C), indexing='ij')\n"
                 "    for i in range(H_out):\n        for j in range(W_out):\n"
                 "            r0, c0 = i * stride, j * stride\n"
                 "            win = x[:, :, r0:r0 + size, c0:c0 + size].reshape(N, C, -1)\n"
                 "            u0, v0 = np.unravel_index(win.argmax(axis=2), (size, size))\n"
                 "            dx[nn, cc, r0 + u0, c0 + v0] += dout[:, :, i, j]\n"
                 "    return dx\n    taken = np.zeros(top.shape, dtype=bool)")),
    Variant("r9 flatten: reshape(-1, x[0].size); backward np.reshape(...).copy()",
            old="return x.reshape(x.shape[0], -1)", new="return x.reshape(-1, x[0].size)",
            also=(("return dout.reshape(x_shape)", "return np.reshape(dout, x_shape).copy()"),)),
]
VARIANTS += [
    Variant("r9 conv bwd: dw by einsum, dx per kernel offset straight from dout, crop by a conditional",
            old=("    cols = patches.transpose(1, 4, 5, 0, 2, 3).reshape(C_in * KH * KW, N * H_out * W_out)\n"
                 "    g = dout.transpose(1, 0, 2, 3).reshape(C_out, N * H_out * W_out)\n"),
            new=("    dw = np.einsum('nohw,nchwuv->ocuv', dout, patches, optimize=True).astype(x.dtype, copy=False)\n"
                 "    db = dout.sum(axis=(0, 2, 3))\n    dxp = np.zeros_like(xp)\n    for u in range(KH):\n"
                 "        for v in range(KW):\n"
                 "            dxp[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride] += "
                 "np.einsum('nohw,oc->nchw', dout, w[:, :, u, v])\n"
                 "    return (dxp[:, :, pad:-pad, pad:-pad] if pad else dxp), dw, db\n"
                 "    g = dout.transpose(1, 0, 2, 3).reshape(C_out, N * H_out * W_out)\n")),
]
# Round 9b (post-round-9 measurement): maxpool backward written with loops over the output positions.
R9B_POOL_LOOP = """    N, C, H, W = x.shape
    H_out, W_out = dout.shape[2:]
    dx = np.zeros_like(x)
    for i in range(H_out):
        for j in range(W_out):
            r, c = i * stride, j * stride
            win = x[:, :, r:r + size, c:c + size].reshape(N, C, -1)
            k = win.argmax(axis=2)
            onehot = (np.arange(size * size) == k[..., None]).reshape(N, C, size, size)
            dx[:, :, r:r + size, c:c + size] += onehot * dout[:, :, i, j][:, :, None, None]
    return dx"""
MUTANTS += [
    Mutant("r9b maxpool backward: argmin instead of argmax (loops, one-hot)", old=POOL_BWD_FULL,
           new=R9B_POOL_LOOP.replace("k = win.argmax(axis=2)", "k = win.argmin(axis=2)"),
           expect="the gradient went to the MINIMUM of every window"),
    Mutant("r9b maxpool backward: loops over range(H // stride) positions (not dout's shape)", old=POOL_BWD_FULL,
           new=R9B_POOL_LOOP.replace("H_out, W_out = dout.shape[2:]", "H_out, W_out = H // stride, W // stride"),
           expect="the loop over the output positions runs past dout"),
    Mutant("r9b maxpool backward: the routed gradient divided by size * size", old=POOL_BWD_ROUTE,
           new=POOL_BWD_ROUTE.replace("np.where(first, dout, 0)", "np.where(first, dout / (size * size), 0)"),
           expect="each maximum received dout / size**2"),
]
VARIANTS += [
    Variant("r9b maxpool backward with loops over dout's positions, one-hot argmax", old=POOL_BWD_FULL,
            new=R9B_POOL_LOOP),
]
MUTANTS += [
    Mutant("r9b conv backward: col2im starts kernel offset (u, v) at (u*stride, v*stride)",
           old="dxp[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride] += dcols[:, u, v]",
           new=("dxp[:, :, u * stride:u * stride + stride * H_out:stride, "
                "v * stride:v * stride + stride * W_out:stride] += dcols[:, u, v]"),
           expect="starts at (u, v) and steps by the stride"),
]
R9B_FWD = """    C_out, C_in, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    # Every window as a view (N, C_in, H_out, W_out, KH, KW): nothing is copied yet.
    windows = sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]
    N, _, H_out, W_out = windows.shape[:4]
    # im2col: one column per output position, rows in the (C_in, KH, KW) order of w.reshape(C_out, -1).
    cols = windows.transpose(1, 4, 5, 0, 2, 3).reshape(C_in * KH * KW, N * H_out * W_out)
    out = (w.reshape(C_out, -1) @ cols).reshape(C_out, N, H_out, W_out)
    return out.transpose(1, 0, 2, 3) + b.reshape(1, C_out, 1, 1)
"""
R9B_NAIVE_FWD = """    C_out, C_in, KH, KW = w.shape
    N, _, H, W = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    out = np.zeros((N, C_out, H_out, W_out), dtype=x.dtype)
    for n in range(N):
        for o in range(C_out):
            for i in range(H_out):
                for j in range(W_out):
                    r, c = i * stride + pad, j * stride + pad
                    out[n, o, i, j] = np.sum(xp[n, :, r:r + KH, c:c + KW] * w[o]) + b[o]
    return out
"""
MUTANTS += [
    Mutant("r9b conv forward: naive loops, window start offset by pad on the already padded image",
           old=R9B_FWD, new=R9B_NAIVE_FWD, expect="with no + pad on the start (the padding is already in place)"),
]
# Round 10 (r10d held-out measurement): mistakes named by general readings — which axes the pooling slid over,
# which input a gradient ignores, which index dx lost (constant along the batch or the channels), a strided or
# window slice that numpy cut short (read from the broadcasting error), the floor applied term by term.
R10_TD_FWD = """    C_out, C_in, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]
    out = np.tensordot(windows, w, axes=([1, 4, 5], [1, 2, 3]))     # (N, H_out, W_out, C_out)
    return out.transpose(0, 3, 1, 2) + b.reshape(1, C_out, 1, 1)
"""
R10_OFFSETS_FWD = """    C_out, C_in, KH, KW = w.shape
    N, _, H, W = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    out = np.zeros((N, C_out, H_out, W_out), dtype=x.dtype)
    for u in range(KH):
        for v in range(KW):
            patch = xp[:, :, u:u + H_out:stride, v:v + W_out:stride]
            out += np.einsum('nchw,oc->nohw', patch, w[:, :, u, v])
    return out + b.reshape(1, -1, 1, 1)
"""
R10_BWD = """    C_out, C_in, KH, KW = w.shape
    N, _, H, W = x.shape
    H_out, W_out = dout.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    patches = sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]
    cols = patches.transpose(1, 4, 5, 0, 2, 3).reshape(C_in * KH * KW, N * H_out * W_out)
    g = dout.transpose(1, 0, 2, 3).reshape(C_out, N * H_out * W_out)
    db = g.sum(axis=1)                    # b[o] is added at every position of every image
    dw = (g @ cols.T).reshape(w.shape)
    # col2im: column k of dcols is the gradient of window k; overlapping windows ADD up.
    dcols = (w.reshape(C_out, -1).T @ g).reshape(C_in, KH, KW, N, H_out, W_out)
    dxp = np.zeros((C_in, N) + xp.shape[2:], dtype=dcols.dtype)
    for u in range(KH):                   # a loop over the kernel offsets, not over pixels
        for v in range(KW):
            dxp[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride] += dcols[:, u, v]
    dx = dxp[:, :, pad:pad + H, pad:pad + W].transpose(1, 0, 2, 3)
    return dx, dw, db
"""
R10_POSITION_BWD = """    C_out, C_in, KH, KW = w.shape
    N, _, H, W = x.shape
    H_out, W_out = dout.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    for i in range(H_out):
        for j in range(W_out):
            r, c = i * stride, j * stride
            g = dout[:, :, i, j]                                      # (N, C_out)
            dw += np.einsum('no,ncuv->ocuv', g, xp[:, :, r:r + KH, c:c + KW])
            dxp[:, :, r:r + KH, c:c + KW] += np.einsum('no,ocuv->ncuv', g, w)
    db = dout.sum(axis=(0, 2, 3))
    return dxp[:, :, pad:pad + H, pad:pad + W], dw, db
"""
R10_NAIVE_BWD = """    C_out, C_in, KH, KW = w.shape
    N, _, H, W = x.shape
    H_out, W_out = dout.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    db = np.zeros(C_out, dtype=x.dtype)
    for n in range(N):
        for o in range(C_out):
            for i in range(H_out):
                for j in range(W_out):
                    r, c = i * stride, j * stride
                    dw[o] += dout[n, o, i, j] * xp[n, :, r:r + KH, c:c + KW]
                    dxp[n, :, r:r + KH, c:c + KW] += dout[n, o, i, j] * w[o].sum(axis=0)
            db[o] += dout[n, o].sum()
    dx = dxp[:, :, pad:pad + H, pad:pad + W]
    return dx, dw, db
"""
R10_POOL_FWD = """    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]
    top = windows[..., 0, 0]
    for u in range(size):                  # np.maximum over the size*size offsets: much faster
        for v in range(size):              # than .max(axis=(4, 5)) on the strided view
            top = np.maximum(top, windows[..., u, v])
    return top
"""
R10_POOL_BWD_FROM_DX = """    N, C, H, W = x.shape
    H_out, W_out = dout.shape[2:]
    dx = np.zeros_like(x)
    for i in range(H_out):
        for j in range(W_out):
            r, c = i * stride, j * stride
            win = dx[:, :, r:r + size, c:c + size].reshape(N, C, -1)
            k = win.argmax(axis=2)
            onehot = (np.arange(size * size) == k[..., None]).reshape(N, C, size, size)
            dx[:, :, r:r + size, c:c + size] += onehot * dout[:, :, i, j][:, :, None, None]
    return dx
"""
MUTANTS += [
    Mutant("r10 out size: the floor division applied term by term (n // s - k // s + 2*pad // s + 1)",
           old="    return (n + 2 * pad - k) // stride + 1\n",
           new="    return n // stride - k // stride + 2 * pad // stride + 1\n",
           expect="the floor division is applied to the terms one by one"),
    Mutant("r10 conv forward: naive loops cut the windows from x, not from the padded xp",
           old=R9B_FWD, new=R9B_NAIVE_FWD.replace("r, c = i * stride + pad, j * stride + pad", "r, c = i * stride, j * stride")
           .replace("np.sum(xp[n, :, r:r + KH, c:c + KW] * w[o])", "np.sum(x[n, :, r:r + KH, c:c + KW] * w[o])"),
           expect="a window cut from x (not xp), or started at i*stride + pad, runs past the end"),
    Mutant("r10 conv forward: offsets loop, slice end u + H_out without the stride",
           old=R9B_FWD, new=R10_OFFSETS_FWD, expect="a slice start:start + H_out:stride ends too early"),
    Mutant("r10 conv forward: input subsampled by the stride before the windows are cut",
           old=R9B_FWD, new=R9B_FWD.replace("sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]",
                                            "sliding_window_view(xp[:, :, ::stride, ::stride], (KH, KW), axis=(2, 3))"),
           expect="the stride-1 convolution of the input SUBSAMPLED by the stride"),
    Mutant("r10 conv backward: per-position einsum writes the kernel transposed into dx ('ncvu')",
           old=R10_BWD, new=R10_POSITION_BWD.replace("np.einsum('no,ocuv->ncuv', g, w)", "np.einsum('no,ocuv->ncvu', g, w)"),
           expect="the kernel's rows and columns are swapped where dx is accumulated"),
    Mutant("r10 conv backward: dx from the batch-summed dout (every image gets the same dx)",
           old=R10_BWD, new=R10_POSITION_BWD.replace("dxp[:, :, r:r + KH, c:c + KW] += np.einsum('no,ocuv->ncuv', g, w)",
                                                     "dxp[:, :, r:r + KH, c:c + KW] += np.einsum('o,ocuv->cuv', g.sum(axis=0), w)"),
           expect="dx is the same for every image of the batch"),
    Mutant("r10 conv backward: naive loops, dx gets the kernel summed over the input channels",
           old=R10_BWD, new=R10_NAIVE_BWD, expect="dx is the same in every input channel"),
    Mutant("r10 maxpool forward: windows over axes (1, 2) (channels-last habit)",
           old=R10_POOL_FWD, new=R10_POOL_FWD.replace("axis=(2, 3))[:, :, ::stride, ::stride]", "axis=(1, 2))[:, ::stride, ::stride]"),
           expect="your output is the max-pool of x over axes (1, 2), C and H"),
    Mutant("r10 maxpool backward: the window's maximum looked up in dx (the zero buffer) instead of x",
           old=POOL_BWD_FULL, new=R10_POOL_BWD_FROM_DX, expect="dx does not depend on the values of x"),
]
VARIANTS += [
    Variant("r10 out size as math.ceil((n + 2*pad - k + 1) / stride)", old="    return (n + 2 * pad - k) // stride + 1\n",
            new="    import math\n    return math.ceil((n + 2 * pad - k + 1) / stride)\n"),
    Variant("r10 conv forward with np.tensordot over (C_in, KH, KW)", old=R9B_FWD, new=R10_TD_FWD),
    Variant("r10 conv backward with per-output-position einsum loops", old=R10_BWD, new=R10_POSITION_BWD),
]

# Round 10b: the held-out measurement's unnamed and wrong-cause findings.
MUTANTS += [
    Mutant("r10b conv forward: kernel matrix from w.swapaxes(0, 1).reshape(C_out, -1)",
           old="out = (w.reshape(C_out, -1) @ cols)", new="out = (w.swapaxes(0, 1).reshape(C_out, -1) @ cols)",
           expect="the kernel matrix mixes the output and input channels"),
    Mutant("r10b conv forward: w.shape set in place to (C_out, -1) (reshapes the caller's w)",
           old="out = (w.reshape(C_out, -1) @ cols)", new="w.shape = (C_out, -1)\n    out = (w @ cols)",
           expect="it changed the SHAPE of the caller's w"),
    Mutant("r10b maxpool backward: compares with the channel's global max (x.max over H, W)",
           old=("    H_out, W_out = windows.shape[2:4]\n    top = windows[..., 0, 0]\n    for u in range(size):\n"
                "        for v in range(size):\n            top = np.maximum(top, windows[..., u, v])\n"),
           new="    H_out, W_out = windows.shape[2:4]\n    top = x.max(axis=(2, 3), keepdims=True)\n",
           expect="holds ONE value per image and channel"),
    Mutant("r10b flatten forward: np.stack over range(len(x) - 1) (last sample lost)",
           old="return x.reshape(x.shape[0], -1)",
           new="return np.stack([x[i].ravel() for i in range(len(x) - 1)])",
           expect="one SAMPLE is lost"),
]
# Round 11 held-out measurement (m11d): causes told only when a second probe confirms them.
MUTANTS += [
    Mutant("r11 maxpool backward routes the window maximum (top) instead of dout",
           old="+= np.where(first, dout, 0)", new="+= np.where(first, top, 0)",
           expect="the value routed is top where it must be dout"),
    Mutant("r11 maxpool forward: ::stride applied to the window axes, not the positions",
           old="    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]\n"
               "    top = windows[..., 0, 0]\n    for u in range(size):                  #",
           new="    windows = sliding_window_view(x, (size, size), axis=(2, 3))[..., ::stride, ::stride]\n"
               "    top = windows[..., 0, 0]\n    for u in range(size):                  #",
           expect="every window is the whole size x size block"),
    Mutant("r11 conv backward: col2im slice ends one short",
           old="dxp[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride] += dcols[:, u, v]",
           new="dxp[:, :, u:u + stride * H_out - 1:stride, v:v + stride * W_out - 1:stride] += dcols[:, u, v]",
           expect="differ by exactly ONE on every axis where they differ"),
    Mutant("r11 conv forward: ReLU fused into the convolution (Keras activation='relu' habit)",
           old="return out.transpose(1, 0, 2, 3) + b.reshape(1, C_out, 1, 1)",
           new="return np.maximum(out.transpose(1, 0, 2, 3) + b.reshape(1, C_out, 1, 1), 0)",
           expect="with every negative value set to 0"),
    Mutant("r11 conv forward: np.pad given (stride, stride) instead of (pad, pad)",
           old="    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n    # Every window",
           new="    xp = np.pad(x, ((0, 0), (0, 0), (stride, stride), (stride, stride)))\n    # Every window",
           expect="padded by `stride` zeros instead of `pad`"),
    Mutant("r11 max-pool backward: taken overwritten, not accumulated (later ties routed again)",
           old="            taken |= first", new="            taken = first",
           expect="the gradient went to 2 of the 4 tied maxima"),
    Mutant("r11 conv backward: conv_output_size called with pad and stride swapped",
           old="    H_out, W_out = dout.shape[2:]",
           new="    H_out, W_out = conv_output_size(H, KH, pad, stride), conv_output_size(W, KW, pad, stride)",
           expect="the same call with pad=1 does not divide by zero"),
]
# Round 12 held-out measurement (m12d): wrong causes replaced by confirmed ones.
_R12_POOL_FWD = """    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]
    top = windows[..., 0, 0]
    for u in range(size):                  # np.maximum over the size*size offsets: much faster
        for v in range(size):              # than .max(axis=(4, 5)) on the strided view
            top = np.maximum(top, windows[..., u, v])
    return top"""
_R12_POOL_BWD = """    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]
    H_out, W_out = windows.shape[2:4]
    top = windows[..., 0, 0]
    for u in range(size):
        for v in range(size):
            top = np.maximum(top, windows[..., u, v])
    dx = np.zeros_like(x)
    taken = np.zeros(top.shape, dtype=bool)       # windows whose maximum got its gradient already
    for u in range(size):                         # row-major order: the first tied maximum wins
        for v in range(size):
            first = (windows[..., u, v] == top) & ~taken
            taken |= first
            dx[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride] += np.where(first, dout, 0)
    return dx"""
MUTANTS += [
    Mutant("r12 conv forward: per-image loop bound N = x.shape[1] (channels read as the batch)",
           old=f"""    {FWD_WINDOWS}
    N, _, H_out, W_out = windows.shape[:4]
    # im2col: one column per output position, rows in the (C_in, KH, KW) order of w.reshape(C_out, -1).
    {FWD_COLS}
    {FWD_PRODUCT}
    {FWD_RETURN}""",
           new="""    N = x.shape[1]
    H_out = conv_output_size(x.shape[2], KH, stride, pad)
    W_out = conv_output_size(x.shape[3], KW, stride, pad)
    out = np.zeros((x.shape[0], C_out, H_out, W_out), dtype=x.dtype)
    for n in range(N):
        win = sliding_window_view(xp[n], (KH, KW), axis=(1, 2))[:, ::stride, ::stride]
        cols = win.transpose(0, 3, 4, 1, 2).reshape(C_in * KH * KW, H_out * W_out)
        out[n] = (w.reshape(C_out, -1) @ cols).reshape(C_out, H_out, W_out) + b[:, None, None]
    return out""",
           expect="the batch size read from another axis"),
    Mutant("r12 maxpool forward: hard-coded 2x2/2 pooling by four strided slices",
           old=_R12_POOL_FWD,
           new="""    H2, W2 = x.shape[2] // 2 * 2, x.shape[3] // 2 * 2
    return np.maximum.reduce([x[:, :, 0:H2:2, 0:W2:2], x[:, :, 1:H2:2, 0:W2:2],
                              x[:, :, 0:H2:2, 1:W2:2], x[:, :, 1:H2:2, 1:W2:2]])""",
           expect="the size argument is not used"),
    Mutant("r12 maxpool backward: routing slices u::stride with no end",
           old="            dx[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride] += np.where(first, dout, 0)",
           new="            dx[:, :, u::stride, v::stride] += np.where(first, dout, 0)",
           expect="a strided slice with no end"),
    Mutant("r12 maxpool backward: buffered fancy-index += (a repeated index adds once)",
           old=_R12_POOL_BWD,
           new="""    N, C, H, W = x.shape
    H_out, W_out = dout.shape[2:]
    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]
    k = windows.reshape(N, C, H_out, W_out, size * size).argmax(axis=-1)
    rows = np.arange(H_out)[None, None, :, None] * stride + k // size
    cols = np.arange(W_out)[None, None, None, :] * stride + k % size
    dx = np.zeros_like(x)
    dx[np.arange(N)[:, None, None, None], np.arange(C)[None, :, None, None], rows, cols] += dout
    return dx""",
           expect="np.add.at"),
]
_R12_BWD_LOOPS = """    for u in range(KH):                   # a loop over the kernel offsets, not over pixels
        for v in range(KW):
            dxp[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride] += dcols[:, u, v]
    dx = dxp[:, :, pad:pad + H, pad:pad + W].transpose(1, 0, 2, 3)"""
MUTANTS += [
    Mutant("r12 conv forward: N, _, H_out, W_out = windows.shape[1:5] (one axis late)",
           old="    N, _, H_out, W_out = windows.shape[:4]\n    # im2col",
           new="    N, _, H_out, W_out = windows.shape[1:5]\n    # im2col",
           expect="the sizes were unpacked from the window view's shape"),
    Mutant("r12 conv backward: column gradient computed transposed, then reshaped",
           old="dcols = (w.reshape(C_out, -1).T @ g).reshape(C_in, KH, KW, N, H_out, W_out)",
           new="dcols = (g.T @ w.reshape(C_out, -1)).reshape(C_in, KH, KW, N, H_out, W_out)",
           expect="a column gradient computed TRANSPOSED and then reshaped"),
    Mutant("r12 conv backward: dx from the last output channel only (update outside the o-loop)",
           old=_R12_BWD_LOOPS,
           new="""    dxp = np.zeros((N, C_in) + xp.shape[2:], dtype=dcols.dtype)
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                r, c = i * stride, j * stride
                for o in range(C_out):
                    contribution = dout[n, o, i, j] * w[o]
                dxp[n, :, r:r + KH, c:c + KW] += contribution
    dx = dxp[:, :, pad:pad + H, pad:pad + W]""",
           expect="the LAST output channel alone gives"),
]

# Round 13 (helper d): held-out probes whose checks were changed.
MUTANTS += [
    Mutant("r13 out size: pooling habit, the kernel size ignored ((n + 2*pad) // stride)",
           old="return (n + 2 * pad - k) // stride + 1", new="return (n + 2 * pad) // stride",
           expect="the result ignores `k`"),
    Mutant("r13 maxpool bwd: dx created in dout's dtype (np.zeros(x.shape, dtype=dout.dtype))",
           old="    dx = np.zeros_like(x)\n    taken",
           new="    dx = np.zeros(x.shape, dtype=dout.dtype)\n    taken",
           expect="dx has the dtype of x (float32), as the docstring says, whatever the dtype of dout"),
]
MUTANTS += [
    Mutant("r13 conv fwd: np.pad(x, pad) with the N and C padding sliced back off [pad:-pad] (empty at pad 0)",
           old="    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n    # Every window",
           new="    xp = np.pad(x, pad)[pad:-pad, pad:-pad]\n    # Every window",
           expect="it happens in every call with pad = 0 and in none with pad > 0"),
]
MUTANTS += [
    Mutant("r13 conv fwd: bias added to the (C_out, N, H_out, W_out) product before its transpose",
           old="    out = (w.reshape(C_out, -1) @ cols).reshape(C_out, N, H_out, W_out)\n"
               "    return out.transpose(1, 0, 2, 3) + b.reshape(1, C_out, 1, 1)\n",
           new="    out = (w.reshape(C_out, -1) @ cols).reshape(C_out, N, H_out, W_out) + b.reshape(1, C_out, 1, 1)\n"
               "    return out.transpose(1, 0, 2, 3)\n",
           expect="it was added while the output channels were still the FIRST axis"),
]
MUTANTS += [
    Mutant("r13 maxpool bwd: maxima from maxpool2d_forward(x) (size and stride not passed on)",
           old="""    top = windows[..., 0, 0]
    for u in range(size):
        for v in range(size):
            top = np.maximum(top, windows[..., u, v])
    dx = np.zeros_like(x)
    taken""",
           new="""    top = maxpool2d_forward(x)
    dx = np.zeros_like(x)
    taken""",
           expect="the maxima come from other pooling arguments"),
]
VARIANTS += [
    Variant("r13 maxpool bwd: dx built with np.zeros(x.shape, dtype=x.dtype)",
            old="    dx = np.zeros_like(x)\n    taken", new="    dx = np.zeros(x.shape, dtype=x.dtype)\n    taken"),
    Variant("r13 conv fwd: matmul with out= into a preallocated array of the inputs' dtype",
            old="    out = (w.reshape(C_out, -1) @ cols).reshape(C_out, N, H_out, W_out)\n",
            new="    flat = np.empty((C_out, N * H_out * W_out), dtype=np.result_type(x, w))\n"
                "    np.matmul(w.reshape(C_out, -1), cols, out=flat)\n    out = flat.reshape(C_out, N, H_out, W_out)\n"),
    Variant("r13 out size with divmod", old="return (n + 2 * pad - k) // stride + 1",
            new="q, _ = divmod(n + 2 * pad - k, stride)\n    return q + 1"),
    Variant("r13 conv bwd: dw by tensordot on the windows, db by einsum",
            old="    db = g.sum(axis=1)                    # b[o] is added at every position of every image\n"
                "    dw = (g @ cols.T).reshape(w.shape)\n",
            new="    db = np.einsum('nohw->o', dout)\n    dw = np.tensordot(dout, patches, axes=([0, 2, 3], [0, 2, 3]))\n"),
]

# A 0-d result crosses the judge's wire as 0-d (kernel/wire.py; it was made 1-d, so this passed through nbgrader).
MUTANTS += [
    Mutant("conv bwd: db with keepdims then .squeeze() (C_out = 1 gives a 0-d array)",
           old="db = g.sum(axis=1)", new="db = dout.sum(axis=(0, 2, 3), keepdims=True).squeeze()",
           expect=("db has shape ()",)),
]
# round 13 (h): fixes of the held-out measurement m13d
MUTANTS += [
    Mutant("r13h maxpool backward: inner offset loop range(stride) (right only when size == stride)",
           old="        for v in range(size):\n            first",
           new="        for v in range(stride):\n            first",
           expect="runs over range(stride)"),
    Mutant("r13h maxpool backward: both offset loops range(stride)",
           old="    for u in range(size):                         # row-major order: the first tied maximum wins\n"
               "        for v in range(size):\n            first",
           new="    for u in range(stride):                       # row-major order: the first tied maximum wins\n"
               "        for v in range(stride):\n            first",
           expect="runs over range(stride)"),
    Mutant("r13h maxpool backward: routing slice ends at u + size * H_out",
           old="dx[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride] += np.where(first, dout, 0)",
           new="dx[:, :, u:u + size * H_out:stride, v:v + size * W_out:stride] += np.where(first, dout, 0)",
           expect="END = u + stride * H_out"),
    Mutant("r13h conv backward: dw reshaped (C_in, C_out, KH, KW) then transposed",
           old="dw = (g @ cols.T).reshape(w.shape)",
           new="dw = (g @ cols.T).reshape(C_in, C_out, KH, KW).transpose(1, 0, 2, 3)",
           expect="read as (C_in, C_out, KH, KW)"),
]
MUTANTS += [
    Mutant("r13h maxpool backward: outer offset loop range(stride)",
           old="    for u in range(size):                         # row-major order: the first tied maximum wins",
           new="    for u in range(stride):                       # row-major order: the first tied maximum wins",
           expect="row offsets (u)"),
    Mutant("r13h maxpool backward: column slice end v + size * W_out only",
           old="dx[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride] += np.where(first, dout, 0)",
           new="dx[:, :, u:u + stride * H_out:stride, v:v + size * W_out:stride] += np.where(first, dout, 0)",
           expect="END = u + stride * H_out"),
]
# Round 14 (helper h): the held-out m14d probes that were missed, mis-explained or unexplained, and the same
# class of mistake in the lab's other functions.
_PB_ADD = "dx[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride] += np.where(first, dout, 0)"
_PF_LOOP = ("    top = windows[..., 0, 0]\n"
            "    for u in range(size):                  # np.maximum over the size*size offsets: much faster\n"
            "        for v in range(size):              # than .max(axis=(4, 5)) on the strided view\n"
            "            top = np.maximum(top, windows[..., u, v])\n"
            "    return top\n")
MUTANTS += [
    Mutant("r14h maxpool backward: maximum found with np.isclose (near-ties routed to the first)",
           old="            first = (windows[..., u, v] == top) & ~taken\n",
           new="            first = np.isclose(windows[..., u, v], top) & ~taken\n",
           expect="a comparison with a tolerance (np.isclose, np.allclose, abs(a - b) < tol) calls near-equal"),
    Mutant("r14h maxpool backward: routing slice ends one short (u + stride * H_out - 1)", old=_PB_ADD,
           new="dx[:, :, u:u + stride * H_out - 1:stride, v:v + stride * W_out - 1:stride] += np.where(first, dout, 0)",
           expect="its END is one short"),
    Mutant("r14h conv backward: col2im slice ends one short (u + stride * H_out - 1)",
           old="dxp[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride] += dcols[:, u, v]",
           new="dxp[:, :, u:u + stride * H_out - 1:stride, v:v + stride * W_out - 1:stride] += dcols[:, u, v]",
           expect="an end or a loop bound off by one"),
    Mutant("r14h maxpool backward: taken updated before first is computed (nothing routed)",
           old="            first = (windows[..., u, v] == top) & ~taken\n            taken |= first\n",
           new="            taken |= windows[..., u, v] == top\n            first = (windows[..., u, v] == top) & ~taken\n",
           expect="compute the mask BEFORE updating the flag it reads"),
    Mutant("r14h conv forward: pad recomputed as KH // 2 ('same' padding, the pad argument ignored)",
           old="    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n    # Every window",
           new="    pad = KH // 2\n    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n    # Every window",
           expect="those of 'same' padding, pad = KH // 2"),
    Mutant("r14h conv backward: dcols reshaped with the positions as (W_out, H_out), then transposed",
           old="dcols = (w.reshape(C_out, -1).T @ g).reshape(C_in, KH, KW, N, H_out, W_out)",
           new=("dcols = (w.reshape(C_out, -1).T @ g).reshape(C_in, KH, KW, N, W_out, H_out)"
                ".transpose(0, 1, 2, 3, 5, 4)"),
           expect="reshaped to (..., W_out, H_out) and then the two position axes transposed"),
    Mutant("r14h conv backward: dcols's position axes transposed, then reshaped back",
           old="dcols = (w.reshape(C_out, -1).T @ g).reshape(C_in, KH, KW, N, H_out, W_out)",
           new=("dcols = np.ascontiguousarray((w.reshape(C_out, -1).T @ g).reshape(C_in, KH, KW, N, H_out, W_out)"
                ".transpose(0, 1, 2, 3, 5, 4)).reshape(C_in, KH, KW, N, H_out, W_out)"),
           expect="the two position axes were transposed and then reshaped back"),
    Mutant("r14h maxpool forward: largest magnitude (np.abs) instead of the maximum", old=_PF_LOOP,
           new=_PF_LOOP.replace("    top = windows[..., 0, 0]\n", "    top = np.abs(windows[..., 0, 0])\n")
                       .replace("np.maximum(top, windows[..., u, v])", "np.maximum(top, np.abs(windows[..., u, v]))"),
           expect="the largest MAGNITUDE of each window"),
    Mutant("r14h maxpool forward: the entry of largest magnitude (signed) instead of the maximum", old=_PF_LOOP,
           new=("    flat = windows.reshape(*windows.shape[:4], -1)\n"
                "    k = np.abs(flat).argmax(axis=-1)\n"
                "    return np.take_along_axis(flat, k[..., None], axis=-1)[..., 0]\n"),
           expect="the entry of largest magnitude of each window"),
]
MUTANTS += [
    Mutant("r14p out size: % typed for // ((n + 2p - k) % stride + 1)",
           old="    return (n + 2 * pad - k) // stride + 1",
           new="    return (n + 2 * pad - k) % stride + 1",
           expect="% (the remainder) where the floor division // belongs"),
    Mutant("r14p out size: * typed for // ((n + 2p - k) * stride + 1)",
           old="    return (n + 2 * pad - k) // stride + 1",
           new="    return (n + 2 * pad - k) * stride + 1",
           expect="the numerator is MULTIPLIED by the stride"),
    Mutant("r14p conv bwd: dw = g.T @ cols (operands in the wrong order)",
           old="    dw = (g @ cols.T).reshape(w.shape)\n",
           new="    dw = (g.T @ cols).reshape(w.shape)\n",
           expect="check the order of the operands and which one is transposed"),
    Mutant("r14p maxpool fwd: running maximum restarted for every window row (last row only)",
           old=POOL_FWD_LOOP,
           new="""    for u in range(size):
        top = windows[..., u, 0]
        for v in range(size):
            top = np.maximum(top, windows[..., u, v])
    return top""",
           expect="every output is the maximum of ONE row of its window, the last row 1"),
    Mutant("r14p maxpool fwd: running maximum restarted for every window column (last column only)",
           old=POOL_FWD_LOOP,
           new="""    for v in range(size):
        top = windows[..., 0, v]
        for u in range(size):
            top = np.maximum(top, windows[..., u, v])
    return top""",
           expect="every output is the maximum of ONE column of its window, the last column 1"),
    Mutant("r14p flatten bwd: reshaped (N, C, W, H) then swapaxes(2, 3)",
           old="    return dout.reshape(x_shape)\n",
           new="    return dout.reshape(x_shape[0], x_shape[1], x_shape[3], x_shape[2]).swapaxes(2, 3)\n",
           expect="dout is unflattened in (C, W, H) order (reshaped to (N, C, W, H) and the axes moved back)"),
]
MUTANTS += [
    Mutant("r14p out size: kernel subtracted after the division ((n + 2p) // s - k + 1)",
           old="    return (n + 2 * pad - k) // stride + 1",
           new="    return (n + 2 * pad) // stride - k + 1",
           expect="k is subtracted AFTER the division"),
]

# Round 15 (held-out m15d, measured at da322d8): two wrong causes and two unnamed, each fixed by a general
# reading (the operands of a broadcast named as the call's arguments; dx read against the kernel with any set of
# its axes reversed; a backward's linearity in dout; a wrong window that got nothing at all).
_R15_FWD = ("    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n"
            "    # Every window as a view (N, C_in, H_out, W_out, KH, KW): nothing is copied yet.\n")
_R15_COL2IM = ("    dxp = np.zeros((C_in, N) + xp.shape[2:], dtype=dcols.dtype)\n"
               "    for u in range(KH):                   # a loop over the kernel offsets, not over pixels\n"
               "        for v in range(KW):\n"
               "            dxp[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride] += dcols[:, u, v]\n"
               "    dx = dxp[:, :, pad:pad + H, pad:pad + W].transpose(1, 0, 2, 3)\n")
_R15_FULLCORR = """    # dx: full correlation of the stride-dilated dout with the kernel rotated by 180 degrees
    w_rot = {ROT}.transpose(1, 0, 2, 3)          # (C_in, C_out, KH, KW)
    Hd, Wd = (H_out - 1) * stride + 1, (W_out - 1) * stride + 1
    dil = np.zeros((N, C_out, Hd, Wd), dtype=dout.dtype)
    dil[:, :, ::stride, ::stride] = dout
    Hp, Wp = xp.shape[2:]
    full = np.pad(dil, ((0, 0), (0, 0), (KH - 1, Hp - Hd), (KW - 1, Wp - Wd)))
    dxp = conv2d_forward(full, w_rot, np.zeros(C_in, dtype=x.dtype), 1, 0)
    dx = dxp[:, :, pad:pad + H, pad:pad + W]
"""
MUTANTS += [
    Mutant("r15 conv fwd: bias added to the input channels before the convolution",
           old=_R15_FWD + "    windows = sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]\n",
           new=_R15_FWD.replace("np.pad(x, ", "np.pad(x + b.reshape(1, -1, 1, 1), ")
           + "    windows = sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]\n",
           also=(("    return out.transpose(1, 0, 2, 3) + b.reshape(1, C_out, 1, 1)\n",
                  "    return out.transpose(1, 0, 2, 3)\n"),),
           expect="the bias was combined with x, whose axis 1 holds the C_in = 2 INPUT channels"),
    Mutant("r15 conv bwd: dx by full correlation with np.rot90(w, 2) (default axes turn the channel axes)",
           old=_R15_COL2IM, new=_R15_FULLCORR.replace("{ROT}", "np.rot90(w, 2)"),
           expect="the CHANNEL axes of w are reversed (w[o, c] taken from w[C_out - 1 - o, C_in - 1 - c])"),
    Mutant("r15 conv bwd: dx by full correlation with np.flip(w) (every axis reversed)",
           old=_R15_COL2IM, new=_R15_FULLCORR.replace("{ROT}", "np.flip(w)"),
           expect="np.flip(w) reverses all four"),
    Mutant("r15 maxpool bwd: routes dout only where it is positive (ReLU habit)",
           old="np.where(first, dout, 0)", new="np.where(first & (dout > 0), dout, 0)",
           expect="the entries where dout is NEGATIVE send nothing back"),
    Mutant("r15 maxpool bwd: routes |dout| (the sign of dout lost)",
           old="np.where(first, dout, 0)", new="np.where(first, np.abs(dout), 0)",
           expect="the sign of dout is lost"),
    Mutant("r15 maxpool bwd: the tie flag kept per window position, shared by every image and channel",
           old="    taken = np.zeros(top.shape, dtype=bool)       # windows whose maximum got its gradient already\n"
               "    for u in range(size):                         # row-major order: the first tied maximum wins\n"
               "        for v in range(size):\n"
               "            first = (windows[..., u, v] == top) & ~taken\n"
               "            taken |= first\n",
           new="    taken = np.zeros(top.shape[2:], dtype=bool)   # one flag per window position\n"
               "    for u in range(size):\n"
               "        for v in range(size):\n"
               "            first = (windows[..., u, v] == top) & ~taken\n"
               "            taken = taken | first.any(axis=(0, 1))\n",
           expect="some windows get NO gradient at all"),
]
VARIANTS += [
    Variant("r15 conv bwd: dx by full correlation with np.rot90(w, 2, axes=(2, 3))",
            old=_R15_COL2IM, new=_R15_FULLCORR.replace("{ROT}", "np.rot90(w, 2, axes=(2, 3))")),
    Variant("r15 conv bwd: dx by full correlation with np.flip(w, axis=(2, 3))",
            old=_R15_COL2IM, new=_R15_FULLCORR.replace("{ROT}", "np.flip(w, axis=(2, 3))")),
]
MUTANTS += [
    Mutant("r15 conv bwd: dout masked by dout > 0 before the products (a ReLU backward folded in)",
           old="    g = dout.transpose(1, 0, 2, 3).reshape(C_out, N * H_out * W_out)\n",
           new="    g = (dout * (dout > 0)).transpose(1, 0, 2, 3).reshape(C_out, N * H_out * W_out)\n",
           expect="the entries where dout is NEGATIVE send nothing back"),
]

# Round 15b (issue 15, fixes of the held-out probe): kernel offsets skipped in col2im (read as the sum of some
# offsets' contributions), global max pooling, dx from uninitialised memory (read with memory filled twice with
# different numbers: the verdict does not depend on what memory held), padding filled with a non-zero constant.
MUTANTS += [
    Mutant("r15b conv bwd: col2im offsets stepped by the stride (range(0, KH, stride))",
           old="""    for u in range(KH):                   # a loop over the kernel offsets, not over pixels
        for v in range(KW):""",
           new="""    for u in range(0, KH, stride):        # a loop over the kernel offsets, not over pixels
        for v in range(0, KW, stride):""",
           expect=("your loop over the kernel offsets skips offsets (it steps by the stride",)),
    Mutant("r15b conv bwd: col2im rows of the kernel stop one short (range(KH - 1))",
           old="""    for u in range(KH):                   # a loop over the kernel offsets, not over pixels""",
           new="""    for u in range(KH - 1):               # a loop over the kernel offsets, not over pixels""",
           expect=("your loop over the kernel offsets skips offsets",)),
    Mutant("r15b maxpool fwd: global max per channel broadcast to the output size",
           old="""    top = windows[..., 0, 0]
    for u in range(size):                  # np.maximum over the size*size offsets: much faster
        for v in range(size):              # than .max(axis=(4, 5)) on the strided view
            top = np.maximum(top, windows[..., u, v])
    return top""",
           new="""    top = np.broadcast_to(x.max(axis=(2, 3), keepdims=True), windows.shape[:4]).copy()
    return top""",
           expect=("global max pooling",)),
    Mutant("r15b maxpool bwd: dx from np.empty_like (uninitialised, not zeros)",
           old="    dx = np.zeros_like(x)\n    taken",
           new="    dx = np.empty_like(x)\n    taken",
           expect=("dx not started from zeros (np.empty?)",)),
    Mutant("r15b conv fwd: padded with the value pad (np.pad constant_values=pad)",
           old="    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n    # Every window",
           new="    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), constant_values=pad)\n    # Every window",
           expect=("your padding is filled with the value 1 (= pad",)),
    Mutant("r15b conv fwd: padded with ones (np.pad constant_values=1.0)",
           old="    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n    # Every window",
           new="    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), constant_values=1.0)\n    # Every window",
           expect=("your padding is filled with the value 1",)),
]
MUTANTS += [
    Mutant("r15b conv bwd: col2im buffer from np.empty (uninitialised, not zeros)",
           old="    dxp = np.zeros((C_in, N) + xp.shape[2:], dtype=dcols.dtype)",
           new="    dxp = np.empty((C_in, N) + xp.shape[2:], dtype=dcols.dtype)",
           expect=("dx not started from zeros (np.empty?)",)),
]

# Round 16h (issue 15, fixes of the m16d held-out probe): maxpool backward asked on x of both signs (two shapes),
# flatten_backward asked right after a forward on ANOTHER x (two orders), 'full' padding read from the shapes, the
# channels reduced before the product, max-pooling offsets never compared.
_M16_POOL_FWD = """    top = windows[..., 0, 0]
    for u in range(size):                  # np.maximum over the size*size offsets: much faster
        for v in range(size):              # than .max(axis=(4, 5)) on the strided view
            top = np.maximum(top, windows[..., u, v])
    return top
"""
MUTANTS += [
    Mutant("r16h maxpool bwd: routes dout to the maximum of |x|",
           old="""    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]
    H_out, W_out = windows.shape[2:4]""",
           new="""    windows = sliding_window_view(np.abs(x), (size, size), axis=(2, 3))[:, :, ::stride, ::stride]
    H_out, W_out = windows.shape[2:4]""",
           expect=("dout went to the entry of largest MAGNITUDE of each window",)),
    Mutant("r16h flatten bwd: shape kept in a module global by the last forward (x_shape ignored)",
           old='    ### BEGIN SOLUTION\n    return x.reshape(x.shape[0], -1)\n',
           new='    ### BEGIN SOLUTION\n    global _FLAT_SHAPE\n    _FLAT_SHAPE = x.shape\n    return x.reshape(x.shape[0], -1)\n',
           also=(("    return dout.reshape(x_shape)\n", "    return dout.reshape(_FLAT_SHAPE)\n"),),
           expect=("the shape is kept from the forward pass",)),
    Mutant("r16h flatten bwd: sizes kept in a module global by the last forward (N from x_shape)",
           old='    ### BEGIN SOLUTION\n    return x.reshape(x.shape[0], -1)\n',
           new='    ### BEGIN SOLUTION\n    global _FLAT_CHW\n    _FLAT_CHW = x.shape[1:]\n    return x.reshape(x.shape[0], -1)\n',
           also=(("    return dout.reshape(x_shape)\n", "    return dout.reshape(x_shape[0], *_FLAT_CHW)\n"),),
           expect=("flatten_backward depends on its arguments only",)),
    Mutant("r16h conv fwd: channels summed before correlating (x.sum(1) with w.sum(1))",
           old=R5_FWD_BODY,
           new="""    C_out, C_in, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))).sum(axis=1)
    windows = sliding_window_view(xp, (KH, KW), axis=(1, 2))[:, ::stride, ::stride]
    out = np.einsum('nijuv,ouv->noij', windows, w.sum(axis=1))
    return (out + b.reshape(1, C_out, 1, 1)).astype(x.dtype)
""", expect=("REDUCED FIRST",)),
    Mutant("r16h conv fwd: 'full' padding KH - 1 (the pad argument ignored)",
           old="    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n    # Every window",
           new="    pad = KH - 1\n    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n    # Every window",
           expect=("'full' padding",)),
    Mutant("r16h maxpool fwd: both offset loops start at 1",
           old=_M16_POOL_FWD,
           new="""    top = windows[..., 0, 0]
    for u in range(1, size):
        for v in range(1, size):
            top = np.maximum(top, windows[..., u, v])
    return top
""", expect=("those offsets are never compared",)),
    Mutant("r16h maxpool fwd: offset rows loop starts at 1 (row 0 only through (0, 0))",
           old=_M16_POOL_FWD,
           new="""    top = windows[..., 0, 0]
    for u in range(1, size):
        for v in range(size):
            top = np.maximum(top, windows[..., u, v])
    return top
""", expect=("those offsets are never compared",)),
]
VARIANTS += [
    Variant("r16h flatten bwd: np.reshape(dout, x_shape) with the shape as a tuple",
            old="    return dout.reshape(x_shape)\n", new="    return np.reshape(dout, tuple(x_shape))\n"),
    Variant("r16h maxpool fwd: loop from offset 1 after top = (0, 0), skipping (0, 0) only",
            old=_M16_POOL_FWD,
            new="""    top = windows[..., 0, 0]
    for k in range(1, size * size):
        top = np.maximum(top, windows[..., k // size, k % size])
    return top
"""),
]

# Round 16b (issue 15, m16l held-out probe): a bias added only for some values of b (asked with a bias whose
# entries sum to 0: out(b) - out(0) must be b[o]); a one-change story confirmed on the other failed cases (an
# edit that only fits because a slice bound clips at the array's edge is no longer told).
MUTANTS += [
    Mutant("r16p conv fwd: bias added only when b.sum() != 0",
           old="    return out.transpose(1, 0, 2, 3) + b.reshape(1, C_out, 1, 1)\n",
           new=("    out = out.transpose(1, 0, 2, 3)\n"
                "    if b.sum() != 0:                      # skip the add for a zero bias\n"
                "        out = out + b.reshape(1, C_out, 1, 1)\n"
                "    return out\n"),
           expect=("the bias is not added for this b",)),
    Mutant("r16p conv fwd: bias added only when b.mean() > 0 (a 'positive bias' test)",
           old="    return out.transpose(1, 0, 2, 3) + b.reshape(1, C_out, 1, 1)\n",
           new=("    out = out.transpose(1, 0, 2, 3)\n"
                "    return out + b.reshape(1, C_out, 1, 1) if b.mean() > 0 else out\n"),
           expect=("the bias is not added", "the bias is missing")),
    Mutant("r16p conv bwd: col2im width slice bounded by H_out",
           old="            dxp[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride] += dcols[:, u, v]\n",
           new="            dxp[:, :, u:u + stride * H_out:stride, v:v + stride * H_out:stride] += dcols[:, u, v]\n",
           expect=("is bounded with H_out, a size of the H axis",)),
    Mutant("r16p conv bwd: col2im height slice bounded by W_out",
           old="            dxp[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride] += dcols[:, u, v]\n",
           new="            dxp[:, :, u:u + stride * W_out:stride, v:v + stride * W_out:stride] += dcols[:, u, v]\n",
           expect=("is bounded with W_out, a size of the W axis",)),
    Mutant("r16p maxpool bwd: width slice of dx bounded by H_out",
           old="            dx[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride] += np.where(first, dout, 0)\n",
           new="            dx[:, :, u:u + stride * H_out:stride, v:v + stride * H_out:stride] += np.where(first, dout, 0)\n",
           expect=("is bounded with H_out, a size of the H axis",)),
    Mutant("r16p maxpool bwd: square output assumed (H_out = W_out = windows.shape[2])",
           old="    H_out, W_out = windows.shape[2:4]\n",
           new="    H_out = W_out = windows.shape[2]\n",
           expect=("4 (H_out) and 5 (W_out)",)),
]

# Round 16c (issue 15, held-out t): a permutation of x's axes before a C-order flatten is named as that
# permutation; a swap of (i, j) that either side of conv2d_backward's product may carry is named as the pairing.
MUTANTS += [
    Mutant("flatten fwd: channels-last via swapaxes(1, 3) before the reshape",
           old="return x.reshape(x.shape[0], -1)", new="return x.swapaxes(1, 3).reshape(x.shape[0], -1)",
           expect="the features are in (W, H, C) order: x's axes were reversed"),
    Mutant("flatten fwd: (H, W, C) order via transpose(0, 2, 3, 1)",
           old="return x.reshape(x.shape[0], -1)", new="return x.transpose(0, 2, 3, 1).reshape(x.shape[0], -1)",
           expect="the features are in (H, W, C) order"),
    Mutant("conv bwd: backward patches with positions in (W_out, H_out) order",
           old="cols = patches.transpose(1, 4, 5, 0, 2, 3).reshape(C_in * KH * KW, N * H_out * W_out)",
           new="cols = patches.transpose(1, 4, 5, 0, 3, 2).reshape(C_in * KH * KW, N * H_out * W_out)",
           expect="output positions and windows are paired transposed"),
]

# Round 17d (issue 15, held-out m17d): the results of two calls must not share memory (asked of every graded
# function in the kernel), dx short by the rows no window covers, dout flipped, the output size taken from x.shape,
# near-tied maxima merged in float32 told from a tolerance by a second gap.
R17_FWD_RETURN = ("    out = (w.reshape(C_out, -1) @ cols).reshape(C_out, N, H_out, W_out)\n"
                  "    return out.transpose(1, 0, 2, 3) + b.reshape(1, C_out, 1, 1)\n")
R17_POOL_BWD_HEAD = ("    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]\n"
                     "    H_out, W_out = windows.shape[2:4]\n")
MUTANTS += [
    Mutant("r17d conv fwd: H_out, W_out taken from x.shape (right only for 'same' convolutions)",
           old="    N, _, H_out, W_out = windows.shape[:4]\n", new="    N, _, H_out, W_out = x.shape\n",
           expect="the output size was taken from x.shape"),
    Mutant("r17d conv fwd: output buffer kept in a module global and reused (every call returns the same array)",
           old=R17_FWD_RETURN, new="""    global _conv_out
    if "_conv_out" not in globals() or _conv_out.shape != (N, C_out, H_out, W_out) or _conv_out.dtype != x.dtype:
        _conv_out = np.empty((N, C_out, H_out, W_out), dtype=x.dtype)   # reuse the buffer: faster
    _conv_out[...] = (w.reshape(C_out, -1) @ cols).reshape(C_out, N, H_out, W_out).transpose(1, 0, 2, 3)
    _conv_out += b.reshape(1, C_out, 1, 1)
    return _conv_out
""", expect=("the output the first call returned was overwritten by the second call", "buffer kept between calls")),
    Mutant("r17d maxpool bwd: dx buffer kept as a default argument and reused",
           old="    dx = np.zeros_like(x)\n    taken",
           new="    _keep = maxpool2d_backward.__dict__\n"
               "    if _keep.get('dx') is None or _keep['dx'].shape != x.shape or _keep['dx'].dtype != x.dtype:\n"
               "        _keep['dx'] = np.zeros_like(x)\n"
               "    dx = _keep['dx']\n    dx[...] = 0\n    taken",
           expect=("the dx the first call returned was overwritten by the second call",)),
    Mutant("r17d maxpool fwd: output written into a module-level buffer",
           old="            top = np.maximum(top, windows[..., u, v])\n    return top",
           new="            top = np.maximum(top, windows[..., u, v])\n"
               "    global _pool_out\n"
               "    if '_pool_out' not in globals() or _pool_out.shape != top.shape or _pool_out.dtype != top.dtype:\n"
               "        _pool_out = np.empty_like(top)\n"
               "    _pool_out[...] = top\n    return _pool_out",
           expect=("the output the first call returned was overwritten by the second call",)),
    Mutant("r17d conv bwd: dout flipped spatially before the products ('the backward pass is a flipped convolution')",
           old="    g = dout.transpose(1, 0, 2, 3).reshape(C_out, N * H_out * W_out)\n",
           new="    g = dout[:, :, ::-1, ::-1].transpose(1, 0, 2, 3).reshape(C_out, N * H_out * W_out)\n",
           expect="dout was flipped spatially"),
    Mutant("r17d conv bwd: col2im buffer sized from the output ((H_out - 1) * stride + KH): uncovered rows lost",
           old="    dxp = np.zeros((C_in, N) + xp.shape[2:], dtype=dcols.dtype)\n",
           new="    dxp = np.zeros((C_in, N, (H_out - 1) * stride + KH, (W_out - 1) * stride + KW), dtype=dcols.dtype)\n",
           expect=("not covered by any window", "sized from the OUTPUT")),
    Mutant("r17d maxpool bwd: maxima located on a float32 copy of x (near-ties in float64 merge)",
           old=R17_POOL_BWD_HEAD,
           new=R17_POOL_BWD_HEAD.replace("sliding_window_view(x,", "sliding_window_view(x.astype(np.float32),"),
           expect="the maxima were located on FLOAT32 values"),
]
MUTANTS += [
    Mutant("r17d maxpool bwd: dout flipped spatially before routing",
           old="            dx[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride] += np.where(first, dout, 0)\n",
           new="            dx[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride] += "
               "np.where(first, dout[:, :, ::-1, ::-1], 0)\n",
           expect="dout was flipped spatially"),
    Mutant("r17d conv bwd: dx copied into a module-level buffer reused by every call",
           old="    dx = dxp[:, :, pad:pad + H, pad:pad + W].transpose(1, 0, 2, 3)",
           new="    new = dxp[:, :, pad:pad + H, pad:pad + W].transpose(1, 0, 2, 3)\n"
               "    global _dx_buf\n"
               "    if '_dx_buf' not in globals() or _dx_buf.shape != new.shape or _dx_buf.dtype != new.dtype:\n"
               "        _dx_buf = np.empty_like(new)\n"
               "    _dx_buf[...] = new\n    dx = _dx_buf",
           expect=("the dx the first call returned was overwritten by the second call",)),
    Mutant("r17d flatten fwd: output copied into a module-level buffer",
           old="return x.reshape(x.shape[0], -1)",
           new="global _flat_buf\n"
               "    if '_flat_buf' not in globals() or _flat_buf.shape != (x.shape[0], x[0].size) or "
               "_flat_buf.dtype != x.dtype:\n"
               "        _flat_buf = np.empty((x.shape[0], x[0].size), x.dtype)\n"
               "    _flat_buf[...] = x.reshape(x.shape[0], -1)\n    return _flat_buf",
           expect=("the output the first call returned was overwritten by the second call",)),
]
VARIANTS += [
    Variant("r17d flatten fwd: returns a copy (x.reshape(N, -1).copy())",
            old="return x.reshape(x.shape[0], -1)", new="return x.reshape(x.shape[0], -1).copy()"),
]


# Round 17b (r17l): out in x's dtype when w and b come in another (the docstring's "in the dtype of x"); a factor
# read on one case told only when every failing case shows it, and dx / dw asked to be linear in w / x on two
# cases; a slice over the output positions whose end leaves the window offset out (u:stride * H_out:stride), read
# from the broadcast shapes of every case that raised (pooling and col2im alike).
R17L_FWD_RET = "    return out.transpose(1, 0, 2, 3) + b.reshape(1, C_out, 1, 1)\n"
MUTANTS += [
    Mutant("m17l conv fwd: output cast to the kernel's dtype (not x's)",
           old=R17L_FWD_RET,
           new="    return (out.transpose(1, 0, 2, 3) + b.reshape(1, C_out, 1, 1)).astype(w.dtype)\n",
           expect="out has the dtype of x (float64), as the docstring says, whatever the dtype of w and b"),
    Mutant("r17l conv fwd: output cast to the bias's dtype",
           old=R17L_FWD_RET,
           new="    return (out.transpose(1, 0, 2, 3) + b.reshape(1, C_out, 1, 1)).astype(b.dtype)\n",
           expect="out has the dtype of x (float64), as the docstring says, whatever the dtype of w and b"),
    Mutant("m17l conv bwd: dx through the pseudo-inverse of the kernel matrix (backward = inverse)",
           old="    dcols = (w.reshape(C_out, -1).T @ g).reshape(C_in, KH, KW, N, H_out, W_out)\n",
           new="    dcols = (np.linalg.pinv(w.reshape(C_out, -1)) @ g).reshape(C_in, KH, KW, N, H_out, W_out)\n",
           expect="dx scales as 1 / w"),
    Mutant("r17l conv bwd: dw normalised by the largest |x|",
           old="    dw = (g @ cols.T).reshape(w.shape)\n",
           new="    dw = (g @ cols.T).reshape(w.shape) / np.abs(x).max()\n",
           expect="dw is linear in x"),
    Mutant("m17l maxpool bwd: routing slice end without the offset (u:stride * H_out:stride)",
           old="            dx[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride] += np.where(first, dout, 0)\n",
           new="            dx[:, :, u:stride * H_out:stride, v:stride * W_out:stride] += np.where(first, dout, 0)\n",
           expect="without the offset u"),
    Mutant("r17l conv bwd: col2im slice end without the offset (u:stride * H_out:stride)",
           old="            dxp[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride] += dcols[:, u, v]\n",
           new="            dxp[:, :, u:stride * H_out:stride, v:stride * W_out:stride] += dcols[:, u, v]\n",
           expect="without the offset u"),
    Mutant("r17l conv bwd: dx buffer created in w's dtype",
           old="    dxp = np.zeros((C_in, N) + xp.shape[2:], dtype=dcols.dtype)\n",
           new="    dxp = np.zeros((C_in, N) + xp.shape[2:], dtype=w.dtype)\n",
           expect="dx has the dtype of x (float64), as the docstring says, whatever the dtype of w"),
]
VARIANTS += [
    Variant("r17l conv bwd: dx buffer created in x's dtype",
            old="    dxp = np.zeros((C_in, N) + xp.shape[2:], dtype=dcols.dtype)\n",
            new="    dxp = np.zeros((C_in, N) + xp.shape[2:], dtype=x.dtype)\n"),
    Variant("r17l conv bwd: dw cast to w's dtype (only dx's dtype is asked with mixed dtypes)",
            old="    dw = (g @ cols.T).reshape(w.shape)\n",
            new="    dw = (g @ cols.T).reshape(w.shape).astype(w.dtype)\n"),
    Variant("r17l conv fwd: result cast to x's dtype",
            old=R17L_FWD_RET,
            new="    return (out.transpose(1, 0, 2, 3) + b.reshape(1, C_out, 1, 1)).astype(x.dtype)\n"),
]

# Round 17c (m17s held-out probe): an option supported at its plainest value only.
MUTANTS += [
    Mutant("conv bwd: stride-1-only backward (raises NotImplementedError for stride > 1)",
           old="    C_out, C_in, KH, KW = w.shape\n    N, _, H, W = x.shape\n    H_out, W_out = dout.shape[2:]\n",
           new=("    if stride != 1:\n        raise NotImplementedError('only stride 1 is supported')\n"
                "    C_out, C_in, KH, KW = w.shape\n    N, _, H, W = x.shape\n    H_out, W_out = dout.shape[2:]\n"),
           expect=["stride other than 1", "must be supported"]),
    Mutant("conv fwd: no padding support (raises ValueError for pad > 0)",
           old="    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n    # Every window as a view",
           new=("    if pad:\n        raise ValueError('padding is not supported')\n"
                "    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n    # Every window as a view"),
           expect=["pad other than 0", "must be supported"]),
]
W_SLIDE = "    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]\n"
MUTANTS += [
    Mutant("maxpool fwd: non-overlapping windows only (raises for stride != size)",
           old=W_SLIDE + "    top = windows",
           new=("    if stride != size:\n        raise NotImplementedError('overlapping windows')\n" + W_SLIDE
                + "    top = windows"),
           expect=["stride different from size", "must be supported"]),
    Mutant("maxpool bwd: 2x2 windows only (raises ValueError for another size)",
           old=W_SLIDE + "    H_out, W_out = windows",
           new=("    if size != 2:\n        raise ValueError('only 2x2 pooling')\n" + W_SLIDE
                + "    H_out, W_out = windows"),
           expect=["size other than 2", "must be supported"]),
]

# Round 18 (m18d held-out probes): every graded function asked the same arrays in another memory layout (a
# Fortran-ordered copy, a channels-last buffer seen channels-first): code reading memory order passes every
# C-contiguous case; a shape written without C_in (single-channel images assumed) named by the cases.
MUTANTS += [
    Mutant("flatten fwd: np.ravel(x, order='K') (memory order: wrong for a non-C-contiguous x)",
           old="    return x.reshape(x.shape[0], -1)\n",
           new="    return np.ravel(x, order='K').reshape(x.shape[0], -1)\n",
           expect=["memory layout", "MEMORY order"]),
    Mutant("flatten fwd: x.reshape(N, -1, order='A') (Fortran order for a Fortran-ordered x)",
           old="    return x.reshape(x.shape[0], -1)\n",
           new="    return x.reshape(x.shape[0], -1, order='A')\n",
           expect=["memory layout", "order='A'"]),
    Mutant("flatten bwd: np.ravel(dout, order='K').reshape(x_shape) (memory order of dout)",
           old="    return dout.reshape(x_shape)\n",
           new="    return np.ravel(dout, order='K').reshape(x_shape)\n",
           expect=["memory layout", "MEMORY order"]),
    Mutant("maxpool fwd: x re-read in its memory order before the windows (np.ravel(x, order='K'))",
           old="    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]\n"
               "    top = windows[..., 0, 0]\n",
           new="    x = np.ravel(x, order='K').reshape(x.shape)\n"
               "    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]\n"
               "    top = windows[..., 0, 0]\n",
           expect=["memory layout"]),
    Mutant("conv bwd: dout flattened in its memory order (np.ravel(dout, order='K'))",
           old="    g = dout.transpose(1, 0, 2, 3).reshape(C_out, N * H_out * W_out)\n",
           new="    g = np.ravel(dout, order='K').reshape(dout.shape).transpose(1, 0, 2, 3).reshape(C_out, N * H_out * W_out)\n",
           expect=["memory layout", "dout"]),
    Mutant("conv fwd: kernel matrix reshaped (C_out, KH*KW) (single input channel assumed)",
           old="    out = (w.reshape(C_out, -1) @ cols)",
           new="    out = (w.reshape(C_out, KH * KW) @ cols)",
           expect=["one input channel", "C_in is missing"]),
]
VARIANTS += [
    Variant("flatten fwd: np.ascontiguousarray(x).reshape(N, -1), backward by np.reshape(dout, x_shape, order='C')",
            old="    return x.reshape(x.shape[0], -1)\n",
            new="    return np.ascontiguousarray(x).reshape(x.shape[0], -1)\n",
            also=(("    return dout.reshape(x_shape)\n", "    return np.reshape(dout, x_shape, order='C')\n"),)),
]
# Round 18: the same arrays changed in place between two calls (core.result_after_change), as a training loop does.
MUTANTS += [
    Mutant("conv fwd: kernel matrix cached on the function, keyed on id(w) (stale after an in-place SGD step)",
           old="    out = (w.reshape(C_out, -1) @ cols)",
           new="    cache = conv2d_forward.__dict__.setdefault('kernels', {})\n"
               "    if id(w) not in cache:\n"
               "        cache.clear()\n"
               "        cache[id(w)] = (w, w.reshape(C_out, -1).copy())\n"
               "    out = (cache[id(w)][1] @ cols)",
           expect=["state kept between calls", "w"]),
    Mutant("maxpool fwd: result memoised on id(x) (stale when x's buffer is refilled)",
           old="    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]\n"
               "    top = windows[..., 0, 0]\n",
           new="    memo = maxpool2d_forward.__dict__.setdefault('memo', {})\n"
               "    key = (id(x), x.shape, size, stride)\n"
               "    if key in memo and memo[key][0] is x:\n"
               "        return memo[key][1].copy()\n"
               "    memo.clear()\n"
               "    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]\n"
               "    top = windows[..., 0, 0]\n",
           also=(("            top = np.maximum(top, windows[..., u, v])\n    return top\n",
                  "            top = np.maximum(top, windows[..., u, v])\n"
                  "    memo[key] = (x, top.copy())\n    return top\n"),),
           expect=["state kept between calls"]),
]
MUTANTS += [
    Mutant("out size: memoised on n alone (stale for another k, stride or pad)",
           old="    return (n + 2 * pad - k) // stride + 1\n",
           new="    memo = conv_output_size.__dict__.setdefault('memo', {})\n"
               "    return memo.setdefault(n, (n + 2 * pad - k) // stride + 1)\n",
           expect=["which call came first", "earlier call"]),
    Mutant("flatten fwd: result memoised on x.shape (stale for new values of a seen shape)",
           old="    return x.reshape(x.shape[0], -1)\n",
           new="    memo = flatten_forward.__dict__.setdefault('memo', {})\n"
               "    if x.shape not in memo:\n"
               "        memo[x.shape] = x.reshape(x.shape[0], -1).copy()\n"
               "    return memo[x.shape].copy()\n",
           expect=["state kept between calls", "earlier call"]),
]

# Round 18 (m18h): every backward whose dout is (N, channels, H_out, W_out) is asked, after a failure, whether it is
# right when the channel count equals H_out = W_out and wrong when only the channel count changes (a size read from
# the wrong axis of dout); a slice whose end is at or past the array's end in every raising case (an output size
# taken from the input size) is told so, and the "windows do not tile" reading says "reshaping into blocks" only
# when a reshape is in sight.
MUTANTS += [
    Mutant("r18h conv bwd: H_out, W_out read from dout.shape[1:3] (C_out taken as H_out)",
           old="    H_out, W_out = dout.shape[2:]\n    xp", new="    H_out, W_out = dout.shape[1:3]\n    xp",
           expect=["wrong axis of dout", "axis 1 is C_out"]),
    Mutant("r18h conv bwd: dout's channel count read from dout.shape[2]",
           old="    g = dout.transpose(1, 0, 2, 3).reshape(C_out, N * H_out * W_out)\n",
           new="    g = dout.transpose(1, 0, 2, 3).reshape(dout.shape[2], N * H_out * W_out)\n",
           expect=["wrong axis of dout", "axis 1 is C_out"]),
    Mutant("r18h maxpool bwd: H_out, W_out read from dout.shape[1:3]",
           old="    H_out, W_out = windows.shape[2:4]", new="    H_out, W_out = dout.shape[1:3]",
           expect=["wrong axis of dout", "axis 1 is C"]),
    Mutant("r18h maxpool bwd: H_out, W_out read from x (the input size)",
           old="    H_out, W_out = windows.shape[2:4]", new="    H_out, W_out = x.shape[2:4]",
           expect=["at or past", "output size"]),
    Mutant("r18h conv bwd: H_out, W_out read from x (the input size)",
           old="    H_out, W_out = dout.shape[2:]\n    xp", new="    H_out, W_out = x.shape[2:]\n    xp",
           expect=["output size taken from the input size", "INPUT's size"]),
]


# Round 18 (m18j): batch-chunked loops read by a batch-size sweep (N = 1, 3, 5, 9 on the same sizes) before the
# readings of one case (square images, size unused, overlap); dw summed over the first positions only, confirmed
# on a second case; windows with a negative maximum without gradient, on all-negative x and half-negative x.
_R18J_FWD = ('    C_out, C_in, KH, KW = w.shape\n'
            '    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n'
            '    # Every window as a view (N, C_in, H_out, W_out, KH, KW): nothing is copied yet.\n'
            '    windows = sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]\n'
            '    N, _, H_out, W_out = windows.shape[:4]\n'
            '    # im2col: one column per output position, rows in the (C_in, KH, KW) order of w.reshape(C_out, -1).\n'
            '    cols = windows.transpose(1, 4, 5, 0, 2, 3).reshape(C_in * KH * KW, N * H_out * W_out)\n'
            '    out = (w.reshape(C_out, -1) @ cols).reshape(C_out, N, H_out, W_out)\n'
            '    return out.transpose(1, 0, 2, 3) + b.reshape(1, C_out, 1, 1)\n')
_R18J_DW = ('    dw = (g @ cols.T).reshape(w.shape)\n')
_R18J_POOL_FWD = ('    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]\n'
            '    top = windows[..., 0, 0]\n'
            '    for u in range(size):                  # np.maximum over the size*size offsets: much faster\n'
            '        for v in range(size):              # than .max(axis=(4, 5)) on the strided view\n'
            '            top = np.maximum(top, windows[..., u, v])\n'
            '    return top\n')
_R18J_POOL_BWD = ('    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]\n'
            '    H_out, W_out = windows.shape[2:4]\n'
            '    top = windows[..., 0, 0]\n'
            '    for u in range(size):\n'
            '        for v in range(size):\n'
            '            top = np.maximum(top, windows[..., u, v])\n'
            '    dx = np.zeros_like(x)\n'
            '    taken = np.zeros(top.shape, dtype=bool)       # windows whose maximum got its gradient already\n'
            '    for u in range(size):                         # row-major order: the first tied maximum wins\n'
            '        for v in range(size):\n'
            '            first = (windows[..., u, v] == top) & ~taken\n'
            '            taken |= first\n'
            '            dx[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride] += np.where(first, dout, 0)\n'
            '    return dx\n')
_R18J_POOL_FIRST = ('            first = (windows[..., u, v] == top) & ~taken\n'
            '            taken |= first\n'
            '            dx[:, :, u:u + stride * H_out:stride')
MUTANTS += [
    Mutant('r18j conv fwd: images in chunks of 4, the last partial chunk dropped', old=_R18J_FWD,
           new=('    C_out, C_in, KH, KW = w.shape\n'
            '    N = x.shape[0]\n'
            '    H_out = conv_output_size(x.shape[2], KH, stride, pad)\n'
            '    W_out = conv_output_size(x.shape[3], KW, stride, pad)\n'
            '    out = np.zeros((N, C_out, H_out, W_out), dtype=x.dtype)\n'
            '    chunk = 4                              # a few images at a time: smaller temporaries\n'
            '    for s in range(0, N - chunk + 1, chunk):\n'
            '        xc = np.pad(x[s:s + chunk], ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n'
            '        win = sliding_window_view(xc, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]\n'
            '        out[s:s + chunk] = np.einsum("nchwuv,ocuv->nohw", win, w) + b.reshape(1, C_out, 1, 1)\n'
            '    return out\n'),
           expect=['drops the last partial chunk']),
    Mutant('r18j conv bwd: dw summed over blocks of 64 positions, the last partial block dropped', old=_R18J_DW,
           new=('    P, step = g.shape[1], 64\n'
            '    dw = np.zeros((C_out, cols.shape[0]), dtype=np.result_type(dout, x))\n'
            '    for s in range(0, P - step + 1, step):     # blocks of 64 positions: smaller temporaries\n'
            '        dw += g[:, s:s + step] @ cols[:, s:s + step].T\n'
            '    dw = dw.reshape(w.shape)\n'),
           expect=['output positions only', 'last positions are left out']),
    Mutant('r18j maxpool fwd: images in chunks of 4, the last partial chunk dropped', old=_R18J_POOL_FWD,
           new=('    N, C, H, W = x.shape\n'
            '    H_out, W_out = (H - size) // stride + 1, (W - size) // stride + 1\n'
            '    out = np.zeros((N, C, H_out, W_out), dtype=x.dtype)\n'
            '    chunk = 4\n'
            '    for s in range(0, N - chunk + 1, chunk):\n'
            '        win = sliding_window_view(x[s:s + chunk], (size, size), axis=(2, 3))[:, :, ::stride, ::stride]\n'
            '        out[s:s + chunk] = win.max(axis=(4, 5))\n'
            '    return out\n'),
           expect=['drops the last partial chunk']),
    Mutant('r18j maxpool bwd: chunk loop slices dout[s:chunk]', old=_R18J_POOL_BWD,
           new=('    dx = np.zeros_like(x)\n'
            '    chunk = 4\n'
            '    for s in range(0, x.shape[0], chunk):\n'
            '        xc, dc = x[s:s + chunk], dout[s:chunk]\n'
            '        windows = sliding_window_view(xc, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]\n'
            '        H_out, W_out = windows.shape[2:4]\n'
            '        top = windows.max(axis=(4, 5))\n'
            '        taken = np.zeros(top.shape, dtype=bool)\n'
            '        for u in range(size):\n'
            '            for v in range(size):\n'
            '                first = (windows[..., u, v] == top) & ~taken\n'
            '                taken |= first\n'
            '                dx[s:s + chunk, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride] += np.where(first, dc, 0)\n'
            '    return dx\n'),
           expect=['raises for N = 5, 9', 'slice is wrong after the first chunk']),
    Mutant('r18j maxpool bwd: gradient routed only where the window maximum is positive', old=_R18J_POOL_FIRST,
           new='            first = (windows[..., u, v] == top) & ~taken & (top > 0)\n            taken |= first\n            dx[:, :, u:u + stride * H_out:stride',
           expect=['maximum is negative get no gradient']),
]
VARIANTS += [
    Variant('r18j conv fwd: chunks of 4 images, last partial chunk kept', old=_R18J_FWD,
            new=('    C_out, C_in, KH, KW = w.shape\n'
            '    N = x.shape[0]\n'
            '    H_out = conv_output_size(x.shape[2], KH, stride, pad)\n'
            '    W_out = conv_output_size(x.shape[3], KW, stride, pad)\n'
            '    out = np.zeros((N, C_out, H_out, W_out), dtype=x.dtype)\n'
            '    chunk = 4                              # a few images at a time: smaller temporaries\n'
            '    for s in range(0, N, chunk):\n'
            '        xc = np.pad(x[s:s + chunk], ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n'
            '        win = sliding_window_view(xc, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]\n'
            '        out[s:s + chunk] = np.einsum("nchwuv,ocuv->nohw", win, w) + b.reshape(1, C_out, 1, 1)\n'
            '    return out\n')),
    Variant('r18j conv bwd: dw summed over blocks of 64 positions, last block kept', old=_R18J_DW,
            new=('    P, step = g.shape[1], 64\n'
            '    dw = np.zeros((C_out, cols.shape[0]), dtype=np.result_type(dout, x))\n'
            '    for s in range(0, P, step):     # blocks of 64 positions: smaller temporaries\n'
            '        dw += g[:, s:s + step] @ cols[:, s:s + step].T\n'
            '    dw = dw.reshape(w.shape)\n')),
    Variant('r18j maxpool fwd: chunks of 4 images, last chunk kept', old=_R18J_POOL_FWD,
            new=('    N, C, H, W = x.shape\n'
            '    H_out, W_out = (H - size) // stride + 1, (W - size) // stride + 1\n'
            '    out = np.zeros((N, C, H_out, W_out), dtype=x.dtype)\n'
            '    chunk = 4\n'
            '    for s in range(0, N, chunk):\n'
            '        win = sliding_window_view(x[s:s + chunk], (size, size), axis=(2, 3))[:, :, ::stride, ::stride]\n'
            '        out[s:s + chunk] = win.max(axis=(4, 5))\n'
            '    return out\n')),
    Variant('r18j maxpool bwd: chunks of 4 images (dout[s:s + chunk])', old=_R18J_POOL_BWD,
            new=('    dx = np.zeros_like(x)\n'
            '    chunk = 4\n'
            '    for s in range(0, x.shape[0], chunk):\n'
            '        xc, dc = x[s:s + chunk], dout[s:s + chunk]\n'
            '        windows = sliding_window_view(xc, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]\n'
            '        H_out, W_out = windows.shape[2:4]\n'
            '        top = windows.max(axis=(4, 5))\n'
            '        taken = np.zeros(top.shape, dtype=bool)\n'
            '        for u in range(size):\n'
            '            for v in range(size):\n'
            '                first = (windows[..., u, v] == top) & ~taken\n'
            '                taken |= first\n'
            '                dx[s:s + chunk, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride] += np.where(first, dc, 0)\n'
            '    return dx\n')),
]

# Round 18 (m18j, unnamed): a parameter rebound by a loop variable of the same name (an int where the argument
# was an array); an output cut to the input's size, seen on a case whose output is larger than its input.
MUTANTS += [
    Mutant("r18j conv fwd: naive loops, loop variable w shadows the kernel w", old=_R18J_FWD,
           new="""    C_out, C_in, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    N, _, Hp, Wp = xp.shape
    H_out, W_out = (Hp - KH) // stride + 1, (Wp - KW) // stride + 1
    out = np.zeros((N, C_out, H_out, W_out), dtype=x.dtype)
    for n in range(N):
        for o in range(C_out):
            for h in range(H_out):
                for w in range(W_out):
                    patch = xp[n, :, h * stride:h * stride + KH, w * stride:w * stride + KW]
                    out[n, o, h, w] = np.sum(patch * w[o]) + b[o]
    return out
""", expect=["`w` is an argument of conv2d_forward", "loop variable of the same name"]),
    Mutant("r18j conv fwd: output cropped to the input size ('same' assumed)",
           old="    return out.transpose(1, 0, 2, 3) + b.reshape(1, C_out, 1, 1)\n",
           new="""    out = out.transpose(1, 0, 2, 3) + b.reshape(1, C_out, 1, 1)
    return out[:, :, :x.shape[2], :x.shape[3]]    # never larger than the input
""", expect=["cropped to the input size"]),
]

# Round 18 (m18j): a gradient summed across calls (state kept between calls) told apart from uninitialised memory
# (four calls on the same inputs: the same growth at every call).
MUTANTS += [
    Mutant("r18j conv bwd: dw accumulated across calls in a function attribute",
           old="    return dx, dw, db\n",
           new="    conv2d_backward.dw_total = getattr(conv2d_backward, 'dw_total', 0) + dw\n"
               "    return dx, conv2d_backward.dw_total, db\n",
           expect=["grows by the same amount at every call", "state kept between calls"]),
]

# Round 19 (m19d): near-tied maxima routed by a perturbed x; pooling's running maximum lost; the output padded in
# place of the input; H_out and W_out swapped in the backward.
_R19_POOL_HEAD = "    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]\n    H_out, W_out"
MUTANTS += [
    Mutant("r19d maxpool bwd: ties broken by subtracting a tiny row-major ramp (x - 1e-9 * index)",
           old=_R19_POOL_HEAD,
           new="    ramp = 1e-9 * np.arange(x[0, 0].size, dtype=np.float64).reshape(x.shape[2:])\n"
               + _R19_POOL_HEAD.replace("sliding_window_view(x,", "sliding_window_view(x - ramp,"),
           expect="x was perturbed before the maximum was located"),
]
MUTANTS += [
    Mutant("r19d maxpool fwd: each offset compared with the window's first entry (running maximum lost)",
           old="            top = np.maximum(top, windows[..., u, v])\n    return top",
           new="            top = np.maximum(windows[..., 0, 0], windows[..., u, v])\n    return top",
           expect="the running maximum is lost"),
]
MUTANTS += [
    Mutant("r19d conv fwd: zeros padded around the OUTPUT, bias added after",
           old=PAD_FWD, new="    xp = x\n    # Every window",
           also=(("    " + FWD_RETURN, "    return np.pad(out.transpose(1, 0, 2, 3), ((0, 0), (0, 0), (pad, pad), (pad, pad))) "
                                       "+ b.reshape(1, C_out, 1, 1)"),),
           expect="zeros put around the OUTPUT"),
    Mutant("r19d conv fwd: zeros padded around the OUTPUT, bias added before",
           old=PAD_FWD, new="    xp = x\n    # Every window",
           also=(("    " + FWD_RETURN, "    return np.pad(out.transpose(1, 0, 2, 3) + b.reshape(1, C_out, 1, 1), "
                                       "((0, 0), (0, 0), (pad, pad), (pad, pad)))"),),
           expect="zeros put around the OUTPUT"),
]
MUTANTS += [
    Mutant("r19d conv bwd: H_out, W_out unpacked from dout in (W, H) order",
           old="    H_out, W_out = dout.shape[2:]", new="    W_out, H_out = dout.shape[2:]",
           expect="H_out and W_out are swapped somewhere"),
    Mutant("r19d maxpool bwd: H_out, W_out unpacked from the windows in (W, H) order",
           old="    H_out, W_out = windows.shape[2:4]", new="    W_out, H_out = windows.shape[2:4]",
           expect="H_out and W_out are swapped somewhere"),
    Mutant("r19d conv fwd: H_out, W_out unpacked from the windows in (W, H) order",
           old="    N, _, H_out, W_out = windows.shape[:4]", new="    N, _, W_out, H_out = windows.shape[:4]",
           expect="height and width are swapped"),
]
MUTANTS += [
    Mutant("r19d maxpool bwd: each offset compared with the window's first entry when locating the maximum",
           old="            top = np.maximum(top, windows[..., u, v])\n    dx = np.zeros_like(x)",
           new="            top = np.maximum(windows[..., 0, 0], windows[..., u, v])\n    dx = np.zeros_like(x)",
           expect="the running maximum is lost"),
    Mutant("r19d maxpool bwd: ties broken by a tiny random jitter added to x",
           old=_R19_POOL_HEAD,
           new="    jitter = 1e-10 * np.random.default_rng(0).random(x.shape)\n"
               + _R19_POOL_HEAD.replace("sliding_window_view(x,", "sliding_window_view(x + jitter,"),
           expect="x was perturbed before the maximum was located"),
]
MUTANTS += [
    Mutant("r19g out size: CS231n divisibility assert (rejects strides that do not tile the input)",
           old="    return (n + 2 * pad - k) // stride + 1\n",
           new="    assert (n + 2 * pad - k) % stride == 0, 'stride does not fit'\n    return (n + 2 * pad - k) // stride + 1\n",
           expect="your assert rejects a valid input"),
    Mutant("r19g conv fwd: CS231n asserts (H + 2*pad - KH) % stride == 0",
           old="    C_out, C_in, KH, KW = w.shape\n    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n    # Every window",
           new="    C_out, C_in, KH, KW = w.shape\n    assert (x.shape[2] + 2 * pad - KH) % stride == 0, 'height does not work'\n"
               "    assert (x.shape[3] + 2 * pad - KW) % stride == 0, 'width does not work'\n"
               "    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n    # Every window",
           expect="your assert rejects a valid input"),
    Mutant("r19g conv bwd: g flattened with positions in (H_out, W_out, N) order (cols are (N, H_out, W_out))",
           old="    g = dout.transpose(1, 0, 2, 3).reshape(C_out, N * H_out * W_out)\n",
           new="    g = dout.transpose(1, 2, 3, 0).reshape(C_out, N * H_out * W_out)\n",
           expect="batch and position axes are flattened in different orders"),
    Mutant("r19g conv fwd: input padded twice (np.pad on x, then on xp again)",
           old="    windows = sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]\n    N, _, H_out, W_out = windows.shape[:4]",
           new="    xp = np.pad(xp, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n"
               "    windows = sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]\n    N, _, H_out, W_out = windows.shape[:4]",
           expect="padded twice"),
    Mutant("r19g maxpool bwd: routing slice u:u + H_out:stride (end without stride *)",
           old="            dx[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride] += np.where(first, dout, 0)",
           new="            dx[:, :, u:u + H_out * 1:stride, v:v + W_out * 1:stride] += np.where(first, dout, 0)",
           expect="the slice end is missing `stride *`"),
]
# Round 20d (issue 15, fixes of the held-out probe): a fit test on the unpadded length (a kernel larger than n fits
# once padded: cases with k > n added), max-pooling of |x| with a sign put back (the all-negative windows are the
# second input the one-change story must fit; their reading is told first), and values passing through float32 in
# a float64 call, asked of every array function (right to ~7 digits only, exact on small whole numbers).
MUTANTS += [
    Mutant("r20d out size: 0 whenever the kernel is larger than the unpadded input (padding ignored in the fit test)",
           old="    return (n + 2 * pad - k) // stride + 1\n",
           new="    if k > n:\n        return 0\n    return (n + 2 * pad - k) // stride + 1\n",
           expect="wrong exactly when the kernel is larger than the unpadded input"),
    Mutant("r20d maxpool fwd: maximum of |x| with the sign of the window's first entry put back",
           old="            top = np.maximum(top, windows[..., u, v])\n    return top\n",
           new="            top = np.maximum(np.abs(top), np.abs(windows[..., u, v]))\n"
               "    return top * np.sign(windows[..., 0, 0] + 0.0)\n",
           expect="the entry of largest magnitude of each window"),
    Mutant("r20d conv fwd: im2col columns cast to float32",
           old=f"    {FWD_COLS}\n",
           new=f"    {FWD_COLS}.astype(np.float32)\n",
           expect="values pass through float32 somewhere"),
    Mutant("r20d conv bwd: dout flattened through float32",
           old="    g = dout.transpose(1, 0, 2, 3).reshape(C_out, N * H_out * W_out)\n",
           new="    g = dout.transpose(1, 0, 2, 3).reshape(C_out, N * H_out * W_out).astype(np.float32).astype(dout.dtype)\n",
           expect="values pass through float32 somewhere"),
    Mutant("r20d maxpool fwd: maxima passed through float32 and back",
           old="            top = np.maximum(top, windows[..., u, v])\n    return top\n",
           new="            top = np.maximum(top, windows[..., u, v])\n    return top.astype(np.float32).astype(x.dtype)\n",
           expect="values pass through float32 somewhere"),
    Mutant("r20d maxpool bwd: dout routed through float32",
           old="            dx[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride] += np.where(first, dout, 0)",
           new="            dx[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride] += "
               "np.where(first, dout.astype(np.float32), 0)",
           expect="values pass through float32 somewhere"),
    Mutant("r20g conv fwd: np.pad given one image's padding ((pad, pad), (pad, pad)) for a 4-D batch",
           old="    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n    # Every window",
           new="    xp = np.pad(x, ((pad, pad), (pad, pad)))\n    # Every window",
           expect="pair PER AXIS of the array it pads"),
    Mutant("r20g flatten fwd: MNIST row length hard-coded (x.reshape(-1, 784))",
           old="    return x.reshape(x.shape[0], -1)\n", new="    return x.reshape(-1, 784)\n",
           expect="a hard-coded size fits one input only"),
    Mutant("r20g flatten bwd: MNIST image shape hard-coded (dout.reshape(-1, 1, 28, 28))",
           old="    return dout.reshape(x_shape)\n", new="    return dout.reshape(-1, 1, 28, 28)\n",
           expect="take every size from the arguments: dout.reshape(x_shape)"),
    Mutant("r20g conv fwd: im2col matrix built by reshape(-1, C_in*KH*KW).T (rows and columns in another memory order)",
           old="    cols = windows.transpose(1, 4, 5, 0, 2, 3).reshape(C_in * KH * KW, N * H_out * W_out)\n    out =",
           new="    cols = windows.transpose(1, 4, 5, 0, 2, 3).reshape(-1, C_in * KH * KW).T\n    out =",
           expect="the im2col matrix's rows and columns are in another memory order"),
]

# r22a held-out round (issue 15, round 22): written before reading this zoo, from CS231n / Coursera threads
# (max-pool overwrite with overlap, im2col offsets, crop offsets) and the hints of an earlier round.

MUTANTS += [
    # conv_output_size
    Mutant("r22a size: padding added after the division",
           "return (n + 2 * pad - k) // stride + 1",
           "return (n - k) // stride + 2 * pad + 1",
           expect=("after the division", "outside the division")),
    Mutant("r22a size: + 1 put in the divisor (// (stride + 1))",
           "return (n + 2 * pad - k) // stride + 1",
           "return (n + 2 * pad - k) // (stride + 1)",
           expect=("parenthes", "(stride + 1)")),
    Mutant("r22a size: valid-conv n - k + 1 mixed into the strided formula",
           "return (n + 2 * pad - k) // stride + 1",
           "return (n + 2 * pad - k + 1) // stride + 1",
           expect=("1 + n + 2 * pad", "one too many")),
    # conv2d_forward
    Mutant("r22a fwd: first window starts at stride - 1 (im2col offset)",
           "windows = sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]",
           "windows = sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, stride - 1::stride, stride - 1::stride]",
           expect=("first window", "offset")),
    Mutant("r22a fwd: all the padding at the end (bottom/right)",
           "    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n    # Every window",
           "    xp = np.pad(x, ((0, 0), (0, 0), (0, 2 * pad), (0, 2 * pad)))\n    # Every window",
           expect=("bottom", "shifted", "top and left")),
    Mutant("r22a fwd: im2col rows in (KH, KW, C_in) order",
           "cols = windows.transpose(1, 4, 5, 0, 2, 3)",
           "cols = windows.transpose(4, 5, 1, 0, 2, 3)",
           expect=("(kh, kw, c_in) order",)),
    Mutant("r22a fwd: output H and W swapped by the final transpose",
           "return out.transpose(1, 0, 2, 3) + b.reshape(1, C_out, 1, 1)",
           "return out.transpose(1, 0, 3, 2) + b.reshape(1, C_out, 1, 1)",
           expect=("swapped",)),
    Mutant("r22a fwd: ::stride applied to the batch and channel axes",
           "windows = sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]",
           "windows = sliding_window_view(xp, (KH, KW), axis=(2, 3))[::stride, ::stride]",
           expect=("batch and channel", "axes 0 and 1", "wrong axes")),
    # conv2d_backward
    Mutant("r22a bwd: dx cropped from the top-left corner (no pad offset)",
           "dx = dxp[:, :, pad:pad + H, pad:pad + W]",
           "dx = dxp[:, :, :H, :W]",
           expect=("crop starts", "cropped at", "top-left corner")),
    Mutant("r22a bwd: db = g.sum() (no axis: one number)",
           "db = g.sum(axis=1)",
           "db = g.sum()",
           expect=("no axis", "every axis", "0 axes")),
    Mutant("r22a bwd: col2im reads dcols[:, v, u] (kernel offsets swapped)",
           "+= dcols[:, u, v]",
           "+= dcols[:, v, u]",
           expect=("swapped",)),
    Mutant("r22a bwd: db from the first image only",
           "db = g.sum(axis=1)",
           "db = dout[0].sum(axis=(1, 2))",
           expect=("first sample",)),
    # maxpool2d_forward
    Mutant("r22a pool fwd: np.max(a, b) for the elementwise maximum",
           "            top = np.maximum(top, windows[..., u, v])\n    return top",
           "            top = np.max(top, windows[..., u, v])\n    return top",
           expect=("np.maximum",)),
    Mutant("r22a pool fwd: windows stepped by size, the stride argument ignored",
           "    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]\n    top = windows[..., 0, 0]\n    for u in range(size):                  # np.maximum",
           "    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::size, ::size]\n    top = windows[..., 0, 0]\n    for u in range(size):                  # np.maximum",
           expect=("stride",)),
    # maxpool2d_backward
    Mutant("r22a pool bwd: overlapping windows overwrite instead of add",
           "dx[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride] += np.where(first, dout, 0)",
           "dx[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride] = np.where(first, dout, 0)",
           expect=("overlap",)),
    Mutant("r22a pool bwd: offset (u, v) placed at (u * stride, v * stride)",
           "dx[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride] += np.where(first, dout, 0)",
           "dx[:, :, u * stride:u * stride + stride * H_out:stride, v * stride:v * stride + stride * W_out:stride] += np.where(first, dout, 0)",
           expect=("u * stride", "offset (u, v)", "kernel offset", "window offset")),
    # flatten
    Mutant("r22a flatten: (features, N) layout (Coursera habit), transposed back in backward",
           "return x.reshape(x.shape[0], -1)",
           "return x.reshape(x.shape[0], -1).T",
           also=(("return dout.reshape(x_shape)", "return dout.T.reshape(x_shape)"),),
           expect=("transposed", "rows are samples")),
]

VARIANTS += [
    Variant("r22a size: int(np.floor_divide(...)) + 1",
            "return (n + 2 * pad - k) // stride + 1",
            "return int(np.floor_divide(n + 2 * pad - k, stride)) + 1"),
    Variant("r22a fwd: tensordot over (C_in, KH, KW)",
            "    cols = windows.transpose(1, 4, 5, 0, 2, 3).reshape(C_in * KH * KW, N * H_out * W_out)\n"
            "    out = (w.reshape(C_out, -1) @ cols).reshape(C_out, N, H_out, W_out)\n"
            "    return out.transpose(1, 0, 2, 3) + b.reshape(1, C_out, 1, 1)",
            "    out = np.tensordot(windows, w, axes=([1, 4, 5], [1, 2, 3]))   # (N, H_out, W_out, C_out)\n"
            "    return out.transpose(0, 3, 1, 2) + b[None, :, None, None]"),
    Variant("r22a bwd: einsum for dw, db over axes (0, 2, 3)",
            "    db = g.sum(axis=1)                    # b[o] is added at every position of every image\n"
            "    dw = (g @ cols.T).reshape(w.shape)",
            "    db = dout.sum(axis=(0, 2, 3))\n"
            "    dw = np.einsum('nohw,nchwuv->ocuv', dout, patches)"),
    Variant("r22a bwd: dx crop written from the far end",
            "dx = dxp[:, :, pad:pad + H, pad:pad + W]",
            "dx = dxp[:, :, pad:dxp.shape[2] - pad, pad:dxp.shape[3] - pad][:, :, :H, :W]"),
    Variant("r22a pool fwd: max of the last axis twice",
            "    top = windows[..., 0, 0]\n"
            "    for u in range(size):                  # np.maximum over the size*size offsets: much faster\n"
            "        for v in range(size):              # than .max(axis=(4, 5)) on the strided view\n"
            "            top = np.maximum(top, windows[..., u, v])\n"
            "    return top",
            "    return windows.max(axis=-1).max(axis=-1)"),
    Variant("r22a pool bwd: >= top instead of == top",
            "first = (windows[..., u, v] == top) & ~taken",
            "first = (windows[..., u, v] >= top) & ~taken"),
    Variant("r22a pool bwd: argmax per window and np.add.at on 4 index arrays",
            "    dx = np.zeros_like(x)\n"
            "    taken = np.zeros(top.shape, dtype=bool)",
            "    N, C = x.shape[:2]\n"
            "    flat = windows.reshape(N, C, H_out, W_out, size * size).argmax(axis=-1)\n"
            "    n, c, i, j = np.indices((N, C, H_out, W_out))\n"
            "    rows, cols = i * stride + flat // size, j * stride + flat % size\n"
            "    dx = np.zeros_like(x)\n"
            "    np.add.at(dx, (n, c, rows, cols), dout)\n"
            "    return dx\n"
            "    taken = np.zeros(top.shape, dtype=bool)"),
    Variant("r22a flatten: explicit product of the sizes, shape unpacked",
            "return x.reshape(x.shape[0], -1)",
            "return x.reshape(x.shape[0], x.shape[1] * x.shape[2] * x.shape[3])",
            also=(("return dout.reshape(x_shape)",
                   "return dout.reshape(x_shape[0], x_shape[1], x_shape[2], x_shape[3])"),)),
]
