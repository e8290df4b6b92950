"""Lab 02 benchmark (``make bench``): the NumPy reference MLP against PyTorch on the CPU.

Both train the same network (784 -> HIDDEN ReLU -> 10, the same initial weights), with plain
mini-batch SGD at the same batch size and learning rate, on the same data, in the same process;
their epochs are interleaved so that both see the same machine load. The NumPy side is the
lab's reference solution itself (executed from the source notebook through
``autograder.harness.solution_namespace``), not a copy.

Printed: seconds per epoch (median over the epochs) of both, their ratio (target: NumPy/PyTorch
<= 0.8), final test accuracies, and the GEMM-bound floor: the epoch's matrix-product FLOPs divided
by the FLOP rate measured for exactly those float32 products (target: NumPy within 2x of it).
The rate of one large square product is printed too, as the machine's peak for reference.

Data: MNIST when its training images are on disk, otherwise Fashion-MNIST (Debian package
``dataset-fashion-mnist``); the output says which.

    python benchmarks/bench_lab02_torch.py [--epochs 5] [--threads N]

PyTorch is an optional extra (``pip install -e .[bench]``, CPU build).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time

from torch_compare import add_common_args, best_rate, thread_limit, torch_and_reference

LAB = "lab02-ffnn-mnist"
HIDDEN, LR, LR_DECAY, BATCH = 128, 0.2, 0.8, 64    # the notebook's settings (section 4.1)


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=5)
    return add_common_args(ap).parse_args(argv)


def load_data():
    import numpy as np

    from nnlab import mnist
    kind, images, labels = mnist.load_digits_or_fashion("train")
    test_images, test_labels = mnist.load(kind, "test")
    return kind, images, labels.astype(np.int64), test_images, test_labels.astype(np.int64)


def epoch_flops(n: int, batch: int, n_in: int, hidden: int, n_out: int) -> int:
    """Multiply-adds x 2 of one epoch's matrix products (forward, dW2, dA1, dW1; no dX)."""
    flops = 0
    for start in range(0, n, batch):
        b = min(batch, n - start)
        flops += 2 * b * (n_in * hidden + hidden * n_out)     # X W1, A1 W2
        flops += 2 * b * (hidden * n_out * 2 + n_in * hidden)  # A1^T G, G W2^T, X^T dZ1
    return flops


def gemm_rate(batch: int, n_in: int, hidden: int, n_out: int, seconds: float = 1.0) -> float:
    """FLOP/s of the five float32 products of one training step, at the step's shapes."""
    import numpy as np
    r = np.random.default_rng(0)
    X = r.random((batch, n_in), dtype=np.float32)
    W1 = r.random((n_in, hidden), dtype=np.float32)
    A1 = r.random((batch, hidden), dtype=np.float32)
    W2 = r.random((hidden, n_out), dtype=np.float32)
    G = r.random((batch, n_out), dtype=np.float32)
    dZ = r.random((batch, hidden), dtype=np.float32)
    flops = 2 * batch * (2 * n_in * hidden + 3 * hidden * n_out)

    def step():
        X @ W1, A1 @ W2, A1.T @ G, G @ W2.T, X.T @ dZ

    return best_rate(step, flops, seconds)


def peak_rate(n: int = 1024) -> float:
    import numpy as np
    A = np.random.default_rng(0).random((n, n), dtype=np.float32)
    A @ A
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        A @ A
        best = min(best, time.perf_counter() - start)
    return 2 * n ** 3 / best


def main(argv=None) -> int:
    args = parse_args(argv)
    import numpy as np
    found = torch_and_reference(LAB, args.threads)
    if found is None:
        return 2
    torch, ns = found
    kind, images, labels, test_images, test_labels = load_data()
    name = {"mnist": "MNIST", "fashion": "Fashion-MNIST"}[kind]
    note = "" if kind == "mnist" else " (MNIST training images not available here)"
    X, X_test = ns["normalize"](images), ns["normalize"](test_images)
    n, n_in = X.shape
    print(f"data: {name}{note}: {n} training, {len(X_test)} test images")
    print(f"model: {n_in}-{HIDDEN}-10 ReLU MLP, plain SGD lr={LR}x{LR_DECAY}^(epoch-1), batch {BATCH}, float32, "
          f"{args.epochs} epochs, {args.threads} thread(s) each; numpy {np.__version__}, torch {torch.__version__}")

    # Same initial weights for both.
    params = ns["init_params"](n_in, HIDDEN, 10, np.random.default_rng(args.seed))
    model = torch.nn.Sequential(torch.nn.Linear(n_in, HIDDEN), torch.nn.ReLU(), torch.nn.Linear(HIDDEN, 10))
    with torch.no_grad():                      # torch Linear stores W as (out, in)
        model[0].weight.copy_(torch.from_numpy(params["W1"].T.copy()))
        model[0].bias.copy_(torch.from_numpy(params["b1"][0]))
        model[2].weight.copy_(torch.from_numpy(params["W2"].T.copy()))
        model[2].bias.copy_(torch.from_numpy(params["b2"][0]))
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    TX, Ty = torch.from_numpy(X), torch.from_numpy(labels)
    generator = torch.Generator().manual_seed(args.seed)

    def torch_epoch():
        """Same work as the reference train_epoch: shuffle, batches, loss + accuracy, SGD."""
        total_loss, correct = torch.zeros(()), torch.zeros((), dtype=torch.long)
        order = torch.randperm(n, generator=generator)
        for start in range(0, n, BATCH):
            idx = order[start:start + BATCH]
            xb, yb = TX[idx], Ty[idx]
            optimizer.zero_grad(set_to_none=True)
            logits = model(xb)
            loss = loss_fn(logits, yb)
            loss.backward()
            optimizer.step()
            with torch.no_grad():
                total_loss += loss.detach() * len(idx)
                correct += (logits.argmax(1) == yb).sum()
        return float(total_loss) / n, int(correct) / n

    rng = np.random.default_rng(args.seed + 1)
    t_np, t_torch = [], []
    with thread_limit(args.threads):
        for epoch in range(1, args.epochs + 1):
            lr = LR * LR_DECAY ** (epoch - 1)          # the schedule of the notebook's fit
            for group in optimizer.param_groups:
                group["lr"] = lr
            start = time.perf_counter()
            loss_np, _ = ns["train_epoch"](params, X, labels, lr, BATCH, rng)
            t_np.append(time.perf_counter() - start)
            start = time.perf_counter()
            loss_t, _ = torch_epoch()
            t_torch.append(time.perf_counter() - start)
            print(f"  epoch {epoch}: numpy {t_np[-1]:.3f} s (loss {loss_np:.4f})   "
                  f"torch {t_torch[-1]:.3f} s (loss {loss_t:.4f})", flush=True)
        acc_np = ns["accuracy"](ns["forward"](params, X_test)[0], test_labels)
        with torch.no_grad():
            acc_t = float((model(torch.from_numpy(X_test)).argmax(1).numpy() == test_labels).mean())
        flops = epoch_flops(n, BATCH, n_in, HIDDEN, 10)
        rate = gemm_rate(BATCH, n_in, HIDDEN, 10)
        peak = peak_rate()

    s_np, s_t = statistics.median(t_np), statistics.median(t_torch)
    floor = flops / rate
    print(f"numpy  (reference): {s_np:.3f} s/epoch (median), test accuracy {acc_np:.4f} on {name}")
    print(f"torch  (same MLP) : {s_t:.3f} s/epoch (median), test accuracy {acc_t:.4f} on {name}")
    print(f"ratio numpy/torch = {s_np / s_t:.2f}  (target <= 0.8)")
    print(f"GEMM-bound floor  : {floor:.3f} s/epoch = {flops / 1e9:.1f} GFLOP at {rate / 1e9:.1f} GFLOP/s "
          f"(the step's float32 products at batch {BATCH}); numpy/floor = {s_np / floor:.2f}  (target <= 2)")
    print(f"peak matmul rate  : {peak / 1e9:.1f} GFLOP/s (1024x1024 float32); "
          f"floor at peak {flops / peak:.3f} s/epoch")
    return 0


if __name__ == "__main__":
    sys.exit(main())
