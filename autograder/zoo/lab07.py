"""Lab 07 bug zoo: mistakes students make in convolution and pooling layers, and correct alternatives.

Sources of the catalogue: the classic im2col/col2im slips (CS231n assignment 2 threads), the
padding and stride mix-ups of hand-written backward passes, the tie and overlap cases of
max-pooling, and the axis mix-ups of channels-first arrays.
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
           expect="all tied maxima"),
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
]
