"""Lab 07 benchmark (``make bench``): the NumPy reference convolution and CNN against PyTorch on the CPU.

Two comparisons, in the same process, with their timings interleaved so that both sides see the
same machine load:

1. **The convolution layer**: the lab's reference ``conv2d_forward`` + ``conv2d_backward`` against
   ``torch.nn.functional.conv2d`` forward + backward (gradients of input, kernel and bias), on the
   shapes of the lab's CNN at its training batch size (conv1: 64 x 1 x 28 x 28 -> 12 channels,
   conv2: 64 x 12 x 14 x 14 -> 24 channels, 3 x 3 kernels, padding 1). Printed: the median time of
   each, their ratio (goal: NumPy within 2x of PyTorch), and the GEMM-bound floor: the layer's
   matrix-product FLOPs (forward, kernel gradient, input gradient) divided by the FLOP rate measured
   for exactly those float32 products at those shapes.
2. **One training epoch of the lab's CNN** (conv-ReLU-pool twice, then dense-ReLU-dense; SGD with
   momentum, batch 64) against the same network in PyTorch, from the same initial weights, on the same data.
   Printed: seconds per epoch of both, their ratio, the floor of the epoch's matrix products and the
   test accuracies after the epochs.

The NumPy side is the lab's reference solution itself (executed from the source notebook through
``autograder.harness.solution_namespace``), not a copy. Data: MNIST when its training images are on
disk, otherwise Fashion-MNIST (the output says which).

    python benchmarks/bench_lab07_torch.py [--epochs 1] [--threads N] [--reps 20]

PyTorch is an optional extra (``pip install -e .[bench]``, CPU build).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time

from torch_compare import add_common_args, best_rate, thread_limit, torch_and_reference

LAB = "lab07-cnn"
C1, C2, HIDDEN, LR, MOMENTUM, BATCH, LR_DECAY = 12, 24, 32, 0.04, 0.9, 64, 0.5   # the notebook's section 7


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=1, help="training epochs of each network")
    ap.add_argument("--reps", type=int, default=20, help="repetitions of each layer timing")
    return add_common_args(ap).parse_args(argv)


def conv_shapes():
    """(name, x shape, w shape, stride, pad) of the lab CNN's two convolutions at batch 64."""
    return [("conv1", (BATCH, 1, 28, 28), (C1, 1, 3, 3), 1, 1),
            ("conv2", (BATCH, C1, 14, 14), (C2, C1, 3, 3), 1, 1)]


def conv_gemms(x_shape, w_shape, stride, pad):
    """(M, K, N) of the three matrix products of a convolution's forward + backward (im2col form)."""
    n, c, h, w = x_shape
    o, _, kh, kw = w_shape
    h_out, w_out = (h + 2 * pad - kh) // stride + 1, (w + 2 * pad - kw) // stride + 1
    k, p = c * kh * kw, n * h_out * w_out
    return [(o, k, p),        # forward: W (O, K) @ cols (K, P)
            (o, p, k),        # kernel gradient: G (O, P) @ cols^T (P, K)
            (k, o, p)]        # input gradient: W^T (K, O) @ G (O, P)


def gemm_rate(gemms, seconds: float = 1.0) -> float:
    """FLOP/s of the given float32 products, best of several windows (what the products *can* do)."""
    import numpy as np
    r = np.random.default_rng(0)
    pairs = [(r.random((m, k), dtype=np.float32), r.random((k, n), dtype=np.float32)) for m, k, n in gemms]
    flops = sum(2 * m * k * n for m, k, n in gemms)

    def step():
        for a, b in pairs:
            a @ b

    return best_rate(step, flops, seconds)


def load_data():
    import numpy as np

    from nnlab import mnist
    kind, images, labels = mnist.load_digits_or_fashion("train")
    test_images, test_labels = mnist.load(kind, "test")

    def as_batch(a):
        return a[:, None, :, :].astype(np.float32) / np.float32(255)

    return kind, as_batch(images), labels.astype(np.int64), as_batch(test_images), test_labels.astype(np.int64)


def bench_layers(ns, torch, reps: int):
    """Median seconds of NumPy and PyTorch forward + backward for each of the lab's convolutions."""
    import numpy as np
    F = torch.nn.functional
    rows = []
    r = np.random.default_rng(0)
    for name, x_shape, w_shape, stride, pad in conv_shapes():
        x = r.standard_normal(x_shape, dtype=np.float32)
        w = r.standard_normal(w_shape, dtype=np.float32) * np.float32(0.1)
        b = r.standard_normal(w_shape[0], dtype=np.float32)
        out = ns["conv2d_forward"](x, w, b, stride, pad)
        dout = r.standard_normal(out.shape, dtype=np.float32)
        tx, tw, tb = (torch.from_numpy(a.copy()).requires_grad_() for a in (x, w, b))
        tdout = torch.from_numpy(dout)

        def numpy_step():
            ns["conv2d_forward"](x, w, b, stride, pad)
            ns["conv2d_backward"](dout, x, w, stride, pad)

        def torch_step():
            tx.grad = tw.grad = tb.grad = None
            F.conv2d(tx, tw, tb, stride=stride, padding=pad).backward(tdout)

        # Same answers first: a benchmark of a wrong layer would mean nothing.
        torch_step()
        dx, dw, db = ns["conv2d_backward"](dout, x, w, stride, pad)
        for mine, theirs in ((dx, tx.grad), (dw, tw.grad), (db, tb.grad)):
            if not np.allclose(mine, theirs.numpy(), rtol=1e-3, atol=1e-3):
                raise SystemExit(f"{name}: the reference and PyTorch disagree")
        t_np, t_torch = [], []
        numpy_step()
        for _ in range(reps):
            start = time.perf_counter()
            numpy_step()
            t_np.append(time.perf_counter() - start)
            start = time.perf_counter()
            torch_step()
            t_torch.append(time.perf_counter() - start)
        gemms = conv_gemms(x_shape, w_shape, stride, pad)
        flops = sum(2 * m * k * n for m, k, n in gemms)
        rows.append((name, x_shape, w_shape, statistics.median(t_np), statistics.median(t_torch),
                     flops / gemm_rate(gemms)))
    return rows


def copy_weights(np_model, torch_model, torch):
    """Same initial weights: the NumPy CNN's parameters into the PyTorch one (Linear stores W^T)."""
    with torch.no_grad():
        convs = [m for m in torch_model if isinstance(m, torch.nn.Conv2d)]
        dense = [m for m in torch_model if isinstance(m, torch.nn.Linear)]
        np_convs = [layer for layer in np_model.layers if hasattr(layer, "w")]
        np_dense = [layer for layer in np_model.layers if hasattr(layer, "W")]
        for tm, layer in zip(convs, np_convs):
            tm.weight.copy_(torch.from_numpy(layer.w.data))
            tm.bias.copy_(torch.from_numpy(layer.b.data))
        for tm, layer in zip(dense, np_dense):
            tm.weight.copy_(torch.from_numpy(layer.W.data.T.copy()))
            tm.bias.copy_(torch.from_numpy(layer.b.data[0]))


def epoch_gemm_floor(n_images: int) -> float:
    """Seconds the matrix products of one epoch need at their measured rate (convs and dense)."""
    gemms = []
    for _, x_shape, w_shape, stride, pad in conv_shapes():
        gemms += conv_gemms(x_shape, w_shape, stride, pad)
    for n_in, n_out in ((C2 * 49, HIDDEN), (HIDDEN, 10)):                       # dense: forward, dW, dX
        gemms += [(BATCH, n_in, n_out), (n_in, BATCH, n_out), (BATCH, n_out, n_in)]
    flops = sum(2 * m * k * n for m, k, n in gemms)
    return flops * (n_images / BATCH) / gemm_rate(gemms)


def main(argv=None) -> int:
    args = parse_args(argv)
    import numpy as np
    found = torch_and_reference(LAB, args.threads)
    if found is None:
        return 2
    torch, ns = found
    print(f"{args.threads} thread(s) each; numpy {np.__version__}, torch {torch.__version__}")

    with thread_limit(args.threads):
        rows = bench_layers(ns, torch, args.reps)
    print("convolution forward + backward (median over "
          f"{args.reps} repetitions, float32, batch {BATCH}, 3x3 kernels, padding 1):")
    ratios = []
    for name, x_shape, w_shape, s_np, s_t, floor in rows:
        ratios.append(s_np / s_t)
        print(f"  {name}: x {x_shape}, w {w_shape}: numpy {1e3 * s_np:.2f} ms, torch {1e3 * s_t:.2f} ms, "
              f"ratio numpy/torch = {s_np / s_t:.2f}; GEMM-bound floor {1e3 * floor:.2f} ms, "
              f"numpy/floor = {s_np / floor:.2f}")
    total_np, total_t = sum(r[3] for r in rows), sum(r[4] for r in rows)
    print(f"conv ratio numpy/torch = {total_np / total_t:.2f} for both layers together "
          f"(goal <= 2; per layer {', '.join(f'{x:.2f}' for x in ratios)})")

    # ---- one training epoch of the lab's CNN, both ways
    kind, X, y, X_test, y_test = load_data()
    name = {"mnist": "MNIST", "fashion": "Fashion-MNIST"}[kind]
    note = "" if kind == "mnist" else " (MNIST training images not available here)"
    print(f"data: {name}{note}: {len(X)} training, {len(X_test)} test images")
    model = ns["make_cnn"](C1, C2, HIDDEN, np.random.default_rng(args.seed))
    optimizer = ns["SGD"](model.parameters(), lr=LR, momentum=MOMENTUM)
    nn = torch.nn
    tmodel = nn.Sequential(nn.Conv2d(1, C1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                           nn.Conv2d(C1, C2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                           nn.Flatten(), nn.Linear(C2 * 49, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, 10))
    copy_weights(model, tmodel, torch)
    toptimizer = torch.optim.SGD(tmodel.parameters(), lr=LR, momentum=MOMENTUM)
    TX, Ty = torch.from_numpy(X), torch.from_numpy(y)
    generator = torch.Generator().manual_seed(args.seed)
    rng = np.random.default_rng(args.seed + 1)
    sce = ns["softmax_cross_entropy"]

    def numpy_epoch(lr):
        optimizer.lr = lr
        total = 0.0
        order = rng.permutation(len(X))
        for start in range(0, len(X), BATCH):
            idx = order[start:start + BATCH]
            loss, dlogits = sce(model.forward(X[idx]), y[idx])
            optimizer.zero_grad()
            model.backward(dlogits)
            optimizer.step()
            total += loss * len(idx)
        return total / len(X)

    def torch_epoch(lr):
        for group in toptimizer.param_groups:
            group["lr"] = lr
        total = torch.zeros(())
        order = torch.randperm(len(X), generator=generator)
        for start in range(0, len(X), BATCH):
            idx = order[start:start + BATCH]
            toptimizer.zero_grad(set_to_none=True)
            loss = nn.functional.cross_entropy(tmodel(TX[idx]), Ty[idx])
            loss.backward()
            toptimizer.step()
            with torch.no_grad():
                total += loss.detach() * len(idx)
        return float(total) / len(X)

    t_np, t_torch = [], []
    with thread_limit(args.threads):
        for epoch in range(1, args.epochs + 1):
            lr = LR * LR_DECAY ** (epoch - 1)
            start = time.perf_counter()
            loss_np = numpy_epoch(lr)
            t_np.append(time.perf_counter() - start)
            start = time.perf_counter()
            loss_t = torch_epoch(lr)
            t_torch.append(time.perf_counter() - start)
            print(f"  epoch {epoch}: numpy {t_np[-1]:.1f} s (loss {loss_np:.4f})   "
                  f"torch {t_torch[-1]:.1f} s (loss {loss_t:.4f})", flush=True)
        acc_np = float(np.mean(np.concatenate([model.forward(X_test[i:i + 500]).argmax(1)
                                               for i in range(0, len(X_test), 500)]) == y_test))
        with torch.no_grad():
            acc_t = float((tmodel(torch.from_numpy(X_test)).argmax(1).numpy() == y_test).mean())
        floor = epoch_gemm_floor(len(X))
    s_np, s_t = statistics.median(t_np), statistics.median(t_torch)
    print(f"numpy  (reference CNN): {s_np:.1f} s/epoch (median), test accuracy {acc_np:.4f} on {name}")
    print(f"torch  (same CNN)     : {s_t:.1f} s/epoch (median), test accuracy {acc_t:.4f} on {name}")
    print(f"epoch ratio numpy/torch = {s_np / s_t:.2f}")
    print(f"GEMM-bound floor of an epoch: {floor:.2f} s (its float32 matrix products at their measured "
          f"rate); numpy/floor = {s_np / floor:.1f}  (the rest: im2col copies, padding, pooling, ReLU)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
