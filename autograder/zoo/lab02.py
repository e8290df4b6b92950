"""Lab 02 bug zoo: mistakes students make in a from-scratch MLP, and correct alternatives."""
from . import Mutant, Variant

MUTANTS = [
    # --- data ---------------------------------------------------------------------------
    Mutant("normalisation by 256",
           old="np.float32(255)", new="np.float32(256)", expect="not 256"),
    Mutant("no normalisation",
           old=".astype(np.float32) / np.float32(255)", new=".astype(np.float32)",
           expect="not normalised"),
    Mutant("normalise to float64 (dtype not as specified)",
           old=".astype(np.float32) / np.float32(255)", new=" / 255.0", expect="dtype float32"),
    Mutant("one-hot sets whole columns",
           old="Y[np.arange(y.shape[0]), y] = 1.0", new="Y[:, y] = 1.0", expect="exactly one 1 per row"),
    # --- softmax and loss -----------------------------------------------------------------
    Mutant("softmax without max subtraction (NaN for logits near 1000)",
           old="np.exp(z - z.max(axis=1, keepdims=True))", new="np.exp(z)",
           expect="subtract each row's maximum"),
    Mutant("max subtracted globally instead of per row",
           old="z.max(axis=1, keepdims=True)", new="z.max()", expect="not the global maximum"),
    Mutant("softmax normalised over the wrong axis",
           old="e / e.sum(axis=1, keepdims=True)", new="e / e.sum(axis=0, keepdims=True)",
           expect="wrong axis"),
    Mutant("log(0) in the loss (log of the softmax probabilities)",
           old="return float(np.mean(log_norm - true_logit))",
           new="return float(-np.mean(np.log(softmax(logits)[np.arange(logits.shape[0]), y])))",
           expect="log(0)"),
    Mutant("loss summed over the batch instead of averaged",
           old="return float(np.mean(log_norm - true_logit))",
           new="return float(np.sum(log_norm - true_logit))", expect="summed over the batch"),
    Mutant("softmax applied twice in the loss gradient",
           old="return (probs - one_hot(y, probs.shape[1])) / n",
           new="return (softmax(probs) - one_hot(y, probs.shape[1])) / n", expect="softmax applied twice"),
    Mutant("1/N missing in the loss gradient",
           old="return (probs - one_hot(y, probs.shape[1])) / n",
           new="return probs - one_hot(y, probs.shape[1])", expect="1/N is missing"),
    Mutant("labels not one-hot encoded in the gradient",
           old="return (probs - one_hot(y, probs.shape[1])) / n",
           new="return (probs - y[:, None]) / n", expect="not one-hot encoded"),
    # --- network ------------------------------------------------------------------------
    Mutant("weights not scaled by the fan-in (std 1)",
           old="rng.standard_normal((n_in, n_hidden), dtype=np.float32) * np.float32(np.sqrt(2.0 / n_in))",
           new="rng.standard_normal((n_in, n_hidden), dtype=np.float32)", expect="too large"),
    Mutant("weights scaled by 2/n instead of sqrt(2/n)",
           old="np.float32(np.sqrt(2.0 / n_in))", new="np.float32(2.0 / n_in)", expect="too small"),
    Mutant("initialisation ignores the rng argument",
           old="W1 = rng.standard_normal((n_in, n_hidden), dtype=np.float32)",
           new="W1 = np.random.standard_normal((n_in, n_hidden)).astype(np.float32)",
           expect="from the rng argument"),
    Mutant("forward applies softmax to the output (softmax twice in training)",
           old='logits = A1 @ params["W2"] + params["b2"]',
           new='logits = softmax(A1 @ params["W2"] + params["b2"])', expect="without softmax"),
    Mutant("ReLU missing in forward",
           old="A1 = np.maximum(Z1, 0)", new="A1 = Z1", expect="ReLU is missing"),
    Mutant("ReLU derivative from the post-activation with >=",
           old="dA1 * (Z1 > 0)", new="dA1 * (A1 >= 0)", expect="ReLU derivative is wrong"),
    Mutant("bias gradient not summed over the batch",
           old="db2 = dlogits.sum(axis=0, keepdims=True)", new="db2 = dlogits",
           expect="summed over the batch axis"),
    Mutant("bias gradient summed without keepdims",
           old="db1 = dZ1.sum(axis=0, keepdims=True)", new="db1 = dZ1.sum(axis=0)", expect="keepdims"),
    Mutant("1/N applied twice (again in backward)",
           old="    X, Z1, A1 = cache\n", new="    X, Z1, A1 = cache\n    dlogits = dlogits / X.shape[0]\n",
           expect="1/N is applied twice"),
    Mutant("update sign flipped (gradient ascent)",
           old="params[name] -= lr * g", new="params[name] += lr * g", expect="sign is flipped"),
    Mutant("biases never updated",
           old="for name, g in grads.items():",
           new="for name, g in grads.items():\n        if name.startswith('b'):\n            continue",
           expect="was not updated"),
    Mutant("accuracy argmax over the wrong axis",
           old="scores.argmax(axis=1) == y", new="scores.argmax(axis=0) == y", expect="wrong axis"),
    # --- training -----------------------------------------------------------------------
    Mutant("minibatches drop the last partial batch",
           old="range(0, X.shape[0], batch_size)", new="range(0, X.shape[0] - batch_size + 1, batch_size)",
           expect="dropped samples"),
    Mutant("minibatches drawn with replacement (repeat samples)",
           old="order = rng.permutation(X.shape[0])", new="order = rng.integers(0, X.shape[0], X.shape[0])",
           expect="repeated"),
    Mutant("minibatches not shuffled",
           old="order = rng.permutation(X.shape[0])", new="order = np.arange(X.shape[0])",
           expect="does not shuffle"),
    Mutant("labels not shuffled with the images",
           old="yield X[idx], y[idx]", new="yield X[idx], y[start:start + batch_size]",
           expect="not aligned"),
    Mutant("epoch loss: unweighted mean of the batch means",
           old="total_loss += cross_entropy(logits, yb) * xb.shape[0]",
           new="total_loss += cross_entropy(logits, yb) * X.shape[0] / -(-X.shape[0] // batch_size)",
           expect="not weighted by the batch sizes"),
    Mutant("validation data leaking into training",
           old="train_epoch(params, X_tr, y_tr, epoch_lr, batch_size, rng)",
           new="train_epoch(params, np.concatenate([X_tr, X_val]), np.concatenate([y_tr, y_val]), "
               "epoch_lr, batch_size, rng)",
           expect="validation data leaked"),
    Mutant("learning-rate decay ignored",
           old="epoch_lr = lr * lr_decay ** (epoch - 1)", new="epoch_lr = lr", expect="lr_decay"),
    Mutant("learning-rate decay off by one (first epoch already decayed)",
           old="epoch_lr = lr * lr_decay ** (epoch - 1)", new="epoch_lr = lr * lr_decay ** epoch",
           expect="first epoch must use lr"),
    Mutant("validation loss measured on the training set",
           old='"val_loss": cross_entropy(val_logits, y_val)',
           new='"val_loss": cross_entropy(forward(params, X_tr)[0], y_tr)', expect="training set"),
    # --- evaluation ---------------------------------------------------------------------
    Mutant("confusion matrix transposed",
           old="np.add.at(cm, (y_true, y_pred), 1)", new="np.add.at(cm, (y_pred, y_true), 1)",
           expect="rows and columns are swapped"),
    Mutant("confusion matrix with fancy-index += (duplicates counted once)",
           old="np.add.at(cm, (y_true, y_pred), 1)", new="cm[y_true, y_pred] += 1", expect="np.add.at"),
    Mutant("precision and recall swapped",
           old="predicted, actual = cm.sum(axis=0), cm.sum(axis=1)",
           new="predicted, actual = cm.sum(axis=1), cm.sum(axis=0)", expect="swapped"),
    Mutant("precision 0/0 for a class never predicted",
           old="np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)",
           new="tp / predicted", expect="numerically stable"),
    # --- issue 15: mistakes reported in public threads (sources named) and new properties --------------
    Mutant("one_hot sized by the largest label (y.max() + 1 columns)",
           old="Y = np.zeros((y.shape[0], num_classes), dtype=np.float32)",
           new="Y = np.zeros((y.shape[0], int(y.max()) + 1), dtype=np.float32)", expect="num_classes = "),
    Mutant("normalize flattens the whole batch into one vector",
           old="return images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255)",
           new="return images.flatten().astype(np.float32) / np.float32(255)", expect="one long vector"),
    Mutant("normalize scrambles the pixel order (transpose before reshape)",
           old="return images.reshape(images.shape[0], -1)",
           new="return images.transpose(0, 2, 1).reshape(images.shape[0], -1)", expect="out of order"),
    # softmax (cf. FluxML/NNlib.jl #68, tensorflow/models #181: overflow and log(0) in hand-written softmax)
    Mutant("softmax without keepdims (right only when N == C)",
           old="return e / e.sum(axis=1, keepdims=True)", new="return e / e.sum(axis=1)", expect="keepdims"),
    Mutant("softmax subtracts the maximum from its input in place",
           old="e = np.exp(z - z.max(axis=1, keepdims=True))",
           new="z -= z.max(axis=1, keepdims=True)\n    e = np.exp(z)", expect="modified its input"),
    Mutant("softmax returns the unnormalised exponentials",
           old="return e / e.sum(axis=1, keepdims=True)", new="return e", expect="not normalised"),
    Mutant("cross-entropy with p[:, y] (an (N, N) block)",
           old="return float(np.mean(log_norm - true_logit))",
           new="return float(-np.mean(np.log(softmax(logits)[:, y])))", expect="p[:, y] picks"),
    Mutant("cross-entropy of the predicted class instead of the label",
           old="true_logit = logits[np.arange(logits.shape[0]), y]", new="true_logit = logits.max(axis=1)",
           expect="predicted class"),
    Mutant("cross-entropy averaged over N*C",
           old="return float(np.mean(log_norm - true_logit))",
           new="return float(np.sum(log_norm - true_logit) / logits.size)", expect="N*C"),
    # The loss gradient of another loss (issue 15: "trained with one loss and differentiated as another")
    Mutant("loss gradient of the squared error instead of cross-entropy",
           old="return (probs - one_hot(y, probs.shape[1])) / n",
           new="return 2 * (probs - one_hot(y, probs.shape[1])) / n", expect="squared error"),
    Mutant("loss gradient subtracts 1 from probs in place (CS231n dscores without a copy)",
           old="return (probs - one_hot(y, probs.shape[1])) / n",
           new="probs[np.arange(n), y] -= 1\n    return probs / n", expect="modified its input"),
    Mutant("loss gradient divided by C instead of N",
           old="return (probs - one_hot(y, probs.shape[1])) / n",
           new="return (probs - one_hot(y, probs.shape[1])) / probs.shape[1]", expect="divided by C"),
    # The network
    Mutant("b1 forgotten in forward",
           old='Z1 = X @ params["W1"] + params["b1"]', new='Z1 = X @ params["W1"]', expect="add b1"),
    Mutant("forward keeps the old cache format (X, A1)",
           old="return logits, (X, Z1, A1)", new="return logits, (X, A1)", expect="the cache of forward"),
    Mutant("forward uses W1 transposed (right only for square W1)",
           old='Z1 = X @ params["W1"] + params["b1"]', new='Z1 = X @ params["W1"].T + params["b1"]',
           expect="used transposed"),
    # ReLU derivative applied to the wrong quantity (cf. Grokking-Deep-Learning #9, deep-learning-from-scratch #43)
    Mutant("ReLU mask taken from the gradient",
           old="dA1 * (Z1 > 0)", new="dA1 * (dA1 > 0)", expect="applied to the wrong quantity"),
    Mutant("ReLU backward multiplies by the activation",
           old="dA1 * (Z1 > 0)", new="dA1 * A1", expect="not by the activation A1"),
    Mutant("dW2 from the pre-activation Z1",
           old="dW2 = A1.T @ dlogits", new="dW2 = Z1.T @ dlogits", expect="pre-activation Z1"),
    Mutant("db1 summed before the ReLU mask",
           old="db1 = dZ1.sum(axis=0, keepdims=True)", new="db1 = dA1.sum(axis=0, keepdims=True)",
           expect="db1 must be the sum of dZ1"),
    Mutant("W2 not transposed in backward (right only when n_hidden == n_out)",
           old='dA1 = dlogits @ params["W2"].T', new='dA1 = dlogits @ params["W2"]', expect="without the transpose"),
    # Updates that never reach the caller (cf. prof.lexailabs.com sgd-momentum-step: rebinding a local name)
    Mutant("sgd_update rebinds a loop variable",
           old="    for name, g in grads.items():\n        params[name] -= lr * g\n",
           new="    for name, p in params.items():\n        p = p - lr * grads[name]\n", expect="did not change"),
    Mutant("sgd_update returns a new dict and leaves params alone",
           old="    for name, g in grads.items():\n        params[name] -= lr * g\n    return params",
           new="    return {name: params[name] - lr * grads[name] for name in params}",
           expect="left params unchanged"),
    Mutant("accuracy as a percentage",
           old="return float(np.mean(scores.argmax(axis=1) == y))",
           new="return float(100 * np.mean(scores.argmax(axis=1) == y))", expect="percentage"),
    Mutant("accuracy with argmax over the flattened array",
           old="scores.argmax(axis=1) == y", new="scores.argmax() == y", expect="argmax without axis"),
    # Shuffling (cf. keras-io #1872, VILA #123, VecherVhatuX/learning_data_science_in_prison #1292)
    Mutant("minibatches from a fixed seed",
           old="order = rng.permutation(X.shape[0])", new="order = np.random.default_rng(0).permutation(X.shape[0])",
           expect="ignores the rng"),
    Mutant("minibatches from the global np.random",
           old="order = rng.permutation(X.shape[0])", new="order = np.random.permutation(X.shape[0])",
           expect="not reproducible from the rng"),
    Mutant("minibatches shuffle X and y with different permutations",
           old="yield X[idx], y[idx]", new="yield X[idx], y[rng.permutation(X.shape[0])[start:start + batch_size]]",
           expect="not aligned"),
    Mutant("minibatches shuffle the caller's X and y in place (a generator: while it is consumed)",
           old="order = rng.permutation(X.shape[0])",
           new="order = np.arange(X.shape[0])\n    perm = rng.permutation(X.shape[0])\n    X[:] = X[perm]\n    y[:] = y[perm]",
           expect="modified X and y in place while yielding"),
    Mutant("minibatches loop one step too far (an empty last batch)",
           old="range(0, X.shape[0], batch_size)", new="range(0, X.shape[0] + 1, batch_size)",
           expect="empty batch"),
    Mutant("train_epoch: accuracy not weighted by the batch sizes",
           old="total_correct += accuracy(logits, yb) * xb.shape[0]",
           new="total_correct += accuracy(logits, yb) * X.shape[0] / -(-X.shape[0] // batch_size)",
           expect="accuracies are not weighted"),
    Mutant("train_epoch: loss measured after the update",
           old="        total_loss += cross_entropy(logits, yb) * xb.shape[0]\n", new="",
           also=[("        params.update(sgd_update(params, backward(params, cache, dlogits), lr))\n",
                  "        params.update(sgd_update(params, backward(params, cache, dlogits), lr))\n"
                  "        total_loss += cross_entropy(forward(params, xb)[0], yb) * xb.shape[0]\n")],
           expect="before its update"),
    Mutant("train_epoch: loss gradient fed the logits",
           old="dlogits = softmax_cross_entropy_backward(softmax(logits), yb)",
           new="dlogits = softmax_cross_entropy_backward(logits, yb)", expect="not the logits"),
    Mutant("train_epoch: a new generator instead of the rng passed in",
           old="for xb, yb in iterate_minibatches(X, y, batch_size, rng):",
           new="for xb, yb in iterate_minibatches(X, y, batch_size, np.random.default_rng(0)):",
           expect="pass the rng train_epoch receives"),
    Mutant("fit: a new generator every epoch (same order every epoch)",
           old="        epoch_lr = lr * lr_decay ** (epoch - 1)\n",
           new="        rng = np.random.default_rng(seed)\n        epoch_lr = lr * lr_decay ** (epoch - 1)\n",
           expect="same order"),
    Mutant("fit: history indexed from 0",
           old='rows.append({"epoch": epoch,', new='rows.append({"epoch": epoch - 1,', expect="indexed by epoch 1"),
    Mutant("confusion matrix with a hard-coded 10 classes",
           old="cm = np.zeros((num_classes, num_classes), dtype=np.int64)", new="cm = np.zeros((10, 10), dtype=np.int64)",
           expect="num_classes"),
    Mutant("f1 as the arithmetic mean",
           old="f1 = np.divide(2 * precision * recall, both, out=np.zeros_like(tp), where=both > 0)",
           new="f1 = (precision + recall) / 2", expect="harmonic mean"),
    # --- issue 15, second held-out round (probe first, then catalogued) ------------------------------
    # Data pipeline: the same order every epoch, batches too big.
    Mutant("minibatches: permutation cached per N (same order every epoch)",
           old="order = rng.permutation(X.shape[0])",
           new="order = iterate_minibatches.__dict__.setdefault(X.shape[0], rng.permutation(X.shape[0]))",
           expect="fresh permutation must be drawn from rng at every epoch"),
    Mutant("minibatches: np.array_split into N // batch_size batches",
           old="    for start in range(0, X.shape[0], batch_size):\n        idx = order[start:start + batch_size]\n",
           new="    for idx in np.array_split(order, max(X.shape[0] // batch_size, 1)):\n", expect="batch sizes [6, 6, 6, 5]"),
    # Softmax and the loss: keepdims on the maximum (cf. shuang0420.cn 'numpy keepdims=True': x - x.max(axis=1)
    # only makes sense for square matrices), labels used as one-hot rows, the log's base, 10 classes.
    Mutant("softmax: max subtracted without keepdims",
           old="e = np.exp(z - z.max(axis=1, keepdims=True))", new="e = np.exp(z - z.max(axis=1))",
           expect="as (N,) without keepdims"),
    Mutant("cross_entropy treats y as one-hot",
           old="    true_logit = logits[np.arange(logits.shape[0]), y]\n    return float(np.mean(log_norm - true_logit))",
           new="    log_p = logits - log_norm[:, None]\n    return float(-np.mean(np.sum(y * log_p, axis=1)))",
           expect="not one-hot rows"),
    Mutant("cross_entropy with log10",
           old="return float(np.mean(log_norm - true_logit))",
           new="return float(-np.mean(np.log10(softmax(logits)[np.arange(logits.shape[0]), y])))",
           expect="natural log"),
    Mutant("loss gradient with one_hot's default 10 classes",
           old="return (probs - one_hot(y, probs.shape[1])) / n", new="return (probs - one_hot(y)) / n",
           expect="one_hot(y, probs.shape[1])"),
    # Initialisation
    Mutant("init_params: W2 scaled by the input fan-in",
           old="np.float32(np.sqrt(1.0 / n_hidden))", new="np.float32(np.sqrt(2.0 / n_in))", expect="too large for fan-in"),
    Mutant("init_params: float64 weights",
           old="W1 = rng.standard_normal((n_in, n_hidden), dtype=np.float32) * np.float32(np.sqrt(2.0 / n_in))",
           new="W1 = rng.standard_normal((n_in, n_hidden)) * np.sqrt(2.0 / n_in)", expect="dtype float32"),
    Mutant("init_params: uniform [0, 1) weights (not centred)",
           old="W1 = rng.standard_normal((n_in, n_hidden), dtype=np.float32) * np.float32(np.sqrt(2.0 / n_in))",
           new="W1 = rng.random((n_in, n_hidden), dtype=np.float32) * np.float32(np.sqrt(2.0 / n_in))",
           expect="centred on 0"),
    # The network: arrays changed in place (the cache), the ReLU in place on Z1 (cf. pytorch/pytorch #5687,
    # osmr/imgclsmob #13: an in-place ReLU overwrites what backward needs).
    Mutant("forward: ReLU applied in place on Z1 (cache Z1 == A1)",
           old="A1 = np.maximum(Z1, 0)", new="A1 = np.maximum(Z1, 0, out=Z1)", expect="ReLU was applied in place"),
    Mutant("backward: ReLU mask built in place in the cached A1",
           old="dZ1 = dA1 * (Z1 > 0)", new="A1[A1 > 0] = 1\n    dZ1 = dA1 * A1", expect="modified the cached A1"),
    # Updates: grads paired by position (cf. HowToTrainYourMAMLPytorch PR #12: an update that depended on the
    # order of a dict's values), float32 promoted, grads scaled in place.
    Mutant("sgd_update pairs params and grads by position",
           old="    for name, g in grads.items():\n        params[name] -= lr * g\n",
           new="    for p, g in zip(params.values(), grads.values()):\n        p -= lr * g\n",
           expect="pairs them by position"),
    Mutant("sgd_update promotes float32 to float64",
           old="params[name] -= lr * g", new="params[name] = params[name] - lr * g.astype(np.float64)",
           expect="must stay float32"),
    Mutant("sgd_update scales the grads in place",
           old="params[name] -= lr * g", new="g *= lr\n        params[name] -= g", expect="modified grads"),
    Mutant("accuracy divided by N*C",
           old="return float(np.mean(scores.argmax(axis=1) == y))",
           new="return float((scores.argmax(axis=1) == y).sum() / scores.size)", expect="divided by N*C"),
    # Training: another loss in the loop, lr rescaled, the return order, an unseeded generator.
    Mutant("train_epoch: cross_entropy given softmax(logits)",
           old="total_loss += cross_entropy(logits, yb) * xb.shape[0]",
           new="total_loss += cross_entropy(softmax(logits), yb) * xb.shape[0]", expect="you passed softmax(logits)"),
    Mutant("train_epoch: lr divided by the batch size",
           old="params.update(sgd_update(params, backward(params, cache, dlogits), lr))",
           new="params.update(sgd_update(params, backward(params, cache, dlogits), lr / xb.shape[0]))",
           expect="learning rate is divided by the batch size"),
    Mutant("train_epoch: returns (accuracy, loss)",
           old="return total_loss / X.shape[0], total_correct / X.shape[0]",
           new="return total_correct / X.shape[0], total_loss / X.shape[0]", expect="returns (accuracy, loss)"),
    Mutant("fit: unseeded generator",
           old="    rng = np.random.default_rng(seed)\n    rows = []", new="    rng = np.random.default_rng()\n    rows = []",
           expect="fit is not reproducible"),
    Mutant("fit: history of the last epoch only",
           old='return pd.DataFrame(rows).set_index("epoch")', new='return pd.DataFrame(rows[-1:]).set_index("epoch")',
           expect="one row per epoch"),
    Mutant("confusion matrix normalised per row",
           old="    return cm\n", new="    return cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)\n",
           expect="must hold counts"),
    # --- issue 15, third held-out round (probe first on the unchanged checks, then catalogued) ---------------
    Mutant("normalize hard-codes 784 pixels",
           "return images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255)",
           "return images.reshape(-1, 784).astype(np.float32) / np.float32(255)", expect='images.reshape(N, -1)'),
    Mutant("one_hot loop stops one label early",
           "    Y[np.arange(y.shape[0]), y] = 1.0\n",
           "    for i in range(len(y) - 1):\n        Y[i, y[i]] = 1.0\n", expect='have no 1 at all'),
    Mutant("softmax on logits clipped to [-50, 50] instead of shifted",
           "e = np.exp(z - z.max(axis=1, keepdims=True))", "e = np.exp(np.clip(z, -50, 50))", expect='must not change when a constant is added'),
    Mutant("cross_entropy averages over every class (true label never selected)",
           "return float(np.mean(log_norm - true_logit))", "return float(np.mean(log_norm[:, None] - logits))",
           expect='does not depend on the labels'),
    Mutant("loss gradient subtracts 1 in whole columns (g[:, y] -= 1)",
           "    n = probs.shape[0]\n    return (probs - one_hot(y, probs.shape[1])) / n",
           "    n = probs.shape[0]\n    g = probs.copy()\n    g[:, y] -= 1\n    return g / n", expect='each row of dlogits must sum to 0'),
    Mutant("init_params: W1 scaled by the fan-out",
           "np.float32(np.sqrt(2.0 / n_in))", "np.float32(np.sqrt(2.0 / n_hidden))", expect='too large for fan-in'),
    Mutant("init_params: b1 of shape (n_hidden,)",
           '"b1": np.zeros((1, n_hidden), dtype=np.float32)', '"b1": np.zeros(n_hidden, dtype=np.float32)', expect='expected shape (1, '),
    Mutant("forward: cache (X, A1, Z1) in the wrong order",
           "return logits, (X, Z1, A1)", "return logits, (X, A1, Z1)", expect='Z1 and A1 swapped'),
    Mutant("forward: ReLU applied to the logits too",
           'logits = A1 @ params["W2"] + params["b2"]', 'logits = np.maximum(A1 @ params["W2"] + params["b2"], 0)',
           expect='ReLU is applied to the logits'),
    Mutant("backward: db2 averaged instead of summed",
           "db2 = dlogits.sum(axis=0, keepdims=True)", "db2 = dlogits.mean(axis=0, keepdims=True)", expect='1/N is applied twice'),
    Mutant("backward: dW1 from the unmasked dA1",
           "dW1 = X.T @ dZ1 ", "dW1 = X.T @ dA1 ", expect='ReLU derivative is wrong'),
    Mutant("sgd_update: np.subtract result discarded",
           "params[name] -= lr * g", "np.subtract(params[name], lr * g)", expect='did not change'),
    Mutant("accuracy compares with y as a column (N, N)",
           "return float(np.mean(scores.argmax(axis=1) == y))",
           "return float(np.mean(scores.argmax(axis=1) == y.reshape(-1, 1)))", expect='broadcasts to an (N, N) table'),
    Mutant("minibatches: range(0, N - 1, B) misses a last batch of one",
           "for start in range(0, X.shape[0], batch_size):", "for start in range(0, X.shape[0] - 1, batch_size):",
           expect=('dropped samples', 'range(N - 1), one short')),
    Mutant("minibatches: permutation over the feature axis",
           "order = rng.permutation(X.shape[0])", "order = np.argsort(rng.random(X.shape[1]))", expect='X.shape[1]'),
    Mutant("train_epoch: params replaced by the gradients (sgd_update forgotten)",
           "params.update(sgd_update(params, backward(params, cache, dlogits), lr))",
           "params.update(backward(params, cache, dlogits))", expect='tiny learning rate'),
    Mutant("fit: rng seeded with 0 instead of seed",
           "rng = np.random.default_rng(seed)", "rng = np.random.default_rng(0)", expect='generator made from seed'),
    Mutant("confusion_matrix: bincount without minlength",
           "    cm = np.zeros((num_classes, num_classes), dtype=np.int64)\n"
           "    np.add.at(cm, (y_true, y_pred), 1)     # unlike cm[...] += 1, counts repeated pairs\n    return cm",
           "    return np.bincount(y_true * num_classes + y_pred).reshape(num_classes, num_classes)", expect='minlength'),
    Mutant("f1 without the factor 2",
           "f1 = np.divide(2 * precision * recall, both", "f1 = np.divide(precision * recall, both", expect=('times 0.5', 'half of f1')),
    # --- issue 15, fourth held-out round (probe first on the unchanged checks, then catalogued) ---------------
    Mutant("normalize divides by the batch maximum",
           "return images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255)",
           "return images.reshape(images.shape[0], -1).astype(np.float32) / images.max()",
           expect="not by the largest pixel of this batch"),
    Mutant("normalize reshapes to H*H (right only for square images)",
           "images.reshape(images.shape[0], -1)", "images.reshape(images.shape[0], images.shape[1] * images.shape[1])",
           expect="passed for square images (H == W)"),
    Mutant("one_hot treats labels as 1-based (y - 1)",
           "Y[np.arange(y.shape[0]), y] = 1.0", "Y[np.arange(y.shape[0]), y - 1] = 1.0", expect="an index off by 1"),
    Mutant("softmax subtracts the column maximum (axis=0)",
           "e = np.exp(z - z.max(axis=1, keepdims=True))", "e = np.exp(z - z.max(axis=0, keepdims=True))",
           expect="maximum of each ROW"),
    Mutant("softmax normalised over the whole batch (after a per-row shift)",
           "return e / e.sum(axis=1, keepdims=True)", "return e / e.sum()", expect="each row of softmax must sum to 1"),
    Mutant("cross_entropy subtracts the max in one term only",
           "true_logit = logits[np.arange(logits.shape[0]), y]",
           "true_logit = (logits - m)[np.arange(logits.shape[0]), y]", expect="changes when a constant is added"),
    Mutant("cross_entropy rows indexed with range(C)",
           "true_logit = logits[np.arange(logits.shape[0]), y]", "true_logit = logits[np.arange(logits.shape[1]), y]",
           expect="p[np.arange(N), y]"),
    Mutant("loss gradient with one_hot(y, n) (N and C mixed up)",
           "return (probs - one_hot(y, probs.shape[1])) / n", "return (probs - one_hot(y, n)) / n",
           expect="passed for N == C"),
    Mutant("init_params: W2 of shape (n_out, n_hidden)",
           "rng.standard_normal((n_hidden, n_out)", "rng.standard_normal((n_out, n_hidden)", expect="axes reversed"),
    Mutant("init_params: W1 with std sqrt(1/n_in) (LeCun, not He)",
           "np.float32(np.sqrt(2.0 / n_in))", "np.float32(np.sqrt(1.0 / n_in))", expect="which is sqrt(1 / n_in)"),
    Mutant("forward adds b1 to the logits",
           'logits = A1 @ params["W2"] + params["b2"]', 'logits = A1 @ params["W2"] + params["b1"]',
           expect="b1 is added to the logits"),
    Mutant("backward: dW2 transposed (dlogits.T @ A1)",
           "dW2 = A1.T @ dlogits", "dW2 = dlogits.T @ A1", expect="shape of W2, (8, 4) (a transpose is wrong)"),
    Mutant("backward: db1 summed over axis 1",
           "db1 = dZ1.sum(axis=0, keepdims=True)", "db1 = dZ1.sum(axis=1, keepdims=True)",
           expect=("a sum or mean over axis 1 where axis 0 belongs", "over axis 1 where axis 0 belongs")),
    Mutant("sgd_update returns inside the loop",
           "        params[name] -= lr * g\n    return params", "        params[name] -= lr * g\n        return params",
           expect="indented inside the loop"),
    Mutant("accuracy returns the count of correct predictions",
           "return float(np.mean(scores.argmax(axis=1) == y))", "return float(np.sum(scores.argmax(axis=1) == y))",
           expect="not divided by N"),
    Mutant("minibatches: inclusive slice end (overlap by one)",
           "idx = order[start:start + batch_size]", "idx = order[start:start + batch_size + 1]",
           expect="consecutive batches share samples"),
    Mutant("train_epoch: loss gradient with the whole y",
           "dlogits = softmax_cross_entropy_backward(softmax(logits), yb)",
           "dlogits = softmax_cross_entropy_backward(softmax(logits), y)", expect="labels y of the whole data set"),
    Mutant("fit: validation measured before the epoch's training",
           "        train_loss, train_acc = train_epoch(params, X_tr, y_tr, epoch_lr, batch_size, rng)\n"
           "        val_logits, _ = forward(params, X_val)\n",
           "        val_logits, _ = forward(params, X_val)\n"
           "        train_loss, train_acc = train_epoch(params, X_tr, y_tr, epoch_lr, batch_size, rng)\n",
           expect="measured before the epoch's training"),
    Mutant("confusion_matrix of floats",
           "cm = np.zeros((num_classes, num_classes), dtype=np.int64)", "cm = np.zeros((num_classes, num_classes))",
           expect="integer counts"),
    # --- issue 15, fifth held-out round ---------------------------------------------------------------------
    Mutant("normalize with the PyTorch MNIST mean/std (0.1307, 0.3081)",
           "return images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255)",
           "return ((images.reshape(images.shape[0], -1).astype(np.float32) / 255 - 0.1307) / 0.3081).astype(np.float32)",
           expect='a standardisation with mean 0.1307'),
    Mutant("normalize by integer division (// 255)",
           "return images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255)",
           "return (images.reshape(images.shape[0], -1) // 255).astype(np.float32)", expect='rounded to whole numbers'),
    Mutant("one_hot with integer dtype",
           "Y = np.zeros((y.shape[0], num_classes), dtype=np.float32)", "Y = np.zeros((y.shape[0], num_classes), dtype=int)",
           expect='floating-point dtype'),
    Mutant("one_hot with row and column indices swapped",
           "Y[np.arange(y.shape[0]), y] = 1.0", "Y[y, np.arange(y.shape[0])] = 1.0", expect='exactly one 1 per row'),
    Mutant("softmax shifted by the row mean instead of the max",
           "e = np.exp(z - z.max(axis=1, keepdims=True))", "e = np.exp(z - z.mean(axis=1, keepdims=True))", expect="subtract each row's MAXIMUM"),
    Mutant("cross_entropy with the sign flipped (true_logit - log_norm)",
           "return float(np.mean(log_norm - true_logit))", "return float(np.mean(true_logit - log_norm))", expect='the sign is flipped'),
    Mutant("cross_entropy returns the per-sample losses",
           "return float(np.mean(log_norm - true_logit))", "return log_norm - true_logit", expect='must be a scalar'),
    Mutant("loss gradient: operator precedence (probs - one_hot / n)",
           "return (probs - one_hot(y, probs.shape[1])) / n", "return probs - one_hot(y, probs.shape[1]) / n",
           expect='only one_hot(y) is divided by N'),
    Mutant("init_params: small positive biases 0.01 (CS231n ReLU tip)",
           "return {\"W1\": W1, \"b1\": np.zeros((1, n_hidden), dtype=np.float32),",
           "return {\"W1\": W1, \"b1\": np.full((1, n_hidden), 0.01, dtype=np.float32),", expect='the biases start at zero'),
    Mutant("forward caches Z1 without the bias (bias added inside the ReLU)",
           "Z1 = X @ params[\"W1\"] + params[\"b1\"]\n    A1 = np.maximum(Z1, 0)",
           "Z1 = X @ params[\"W1\"]\n    A1 = np.maximum(Z1 + params[\"b1\"], 0)", expect='item Z1 is wrong'),
    Mutant("backward: dW1 = X.T @ dA1 * mask (precedence, mask after the product)",
           "dZ1 = dA1 * (Z1 > 0)               # ReLU'(z) = 1 where z > 0, 0 elsewhere\n    dW1 = X.T @ dZ1",
           "dZ1 = dA1 * (Z1 > 0)\n    dW1 = X.T @ dA1 * (Z1 > 0)", expect='the ReLU mask (Z1 > 0) is applied after X.T @ dA1'),
    Mutant("backward returns lower-case keys",
           "return {\"W1\": dW1, \"b1\": db1, \"W2\": dW2, \"b2\": db2}",
           "return {\"dW1\": dW1, \"db1\": db1, \"dW2\": dW2, \"db2\": db2}", expect='must return a dict with the keys'),
    Mutant("sgd_update forgets to return params",
           "        params[name] -= lr * g\n    return params", "        params[name] -= lr * g", expect='must return params'),
    Mutant("accuracy compares the max score (not the argmax) with y",
           "return float(np.mean(scores.argmax(axis=1) == y))", "return float(np.mean(scores.max(axis=1) == y))",
           expect='compares the largest score itself'),
    Mutant("minibatches: np.array_split into batch_size pieces",
           "    for start in range(0, X.shape[0], batch_size):\n        idx = order[start:start + batch_size]\n        yield X[idx], y[idx]",
           "    for idx in np.array_split(order, batch_size):\n        yield X[idx], y[idx]",
           expect="np.array_split's second argument is the NUMBER of pieces"),
    Mutant("train_epoch: inline gradient probs - one_hot without 1/N",
           "dlogits = softmax_cross_entropy_backward(softmax(logits), yb)",
           "dlogits = softmax(logits) - one_hot(yb, logits.shape[1])", expect='misses the 1/N of the mean'),
    Mutant("fit: val accuracy against the training labels",
           "\"val_acc\": accuracy(val_logits, y_val)})", "\"val_acc\": accuracy(val_logits, y_tr[:len(val_logits)])})", expect='use y_val'),
    Mutant("fit trains a copy of params (caller's params unchanged)",
           "    rng = np.random.default_rng(seed)\n    rows = []",
           "    params = {k: v.copy() for k, v in params.items()}\n    rng = np.random.default_rng(seed)\n    rows = []",
           expect='did not update params in place'),
    Mutant("confusion_matrix via histogram2d without range",
           "    cm = np.zeros((num_classes, num_classes), dtype=np.int64)\n    np.add.at(cm, (y_true, y_pred), 1)     # unlike cm[...] += "
           "1, counts repeated pairs\n    return cm",
           "    cm, _, _ = np.histogram2d(y_true, y_pred, bins=num_classes)\n    return cm.astype(np.int64)", expect='np.histogram2d without range'),
    Mutant("recall divided by the total count",
           "recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)",
           "recall = tp / cm.sum()", expect='divides the true positives by the total count'),
    # --- issue 15, sixth held-out round (measured first, then named by general probes) ------------------
    Mutant("normalize to [-1, 1]",
           ".astype(np.float32) / np.float32(255)", ".astype(np.float32) / np.float32(127.5) - np.float32(1)", expect='a standardisation with mean 0.5'),
    Mutant("one_hot built transposed (C, N)",
           "    Y = np.zeros((y.shape[0], num_classes), dtype=np.float32)\n    Y[np.arange(y.shape[0]), y] = 1.0\n",
           "    Y = np.zeros((num_classes, y.shape[0]), dtype=np.float32)\n    Y[y, np.arange(y.shape[0])] = 1.0\n", expect='one row per sample, (N, num_classes)'),
    Mutant("softmax returns log-probabilities",
           "return e / e.sum(axis=1, keepdims=True)",
           "return (z - z.max(axis=1, keepdims=True)) - np.log(e.sum(axis=1, keepdims=True))", expect='these are log-probabilities'),
    Mutant("cross_entropy: row max not added back in logsumexp",
           "log_norm = m[:, 0] + np.log(np.exp(logits - m).sum(axis=1))", "log_norm = np.log(np.exp(logits - m).sum(axis=1))", expect=('one term of yours moves and the other does not', 'not added back')),
    Mutant("cross_entropy: logsumexp shifted by the global max",
           "m = logits.max(axis=1, keepdims=True)", "m = logits.max(keepdims=True)", expect='every row alone gives the right loss'),
    Mutant("loss gradient divided by probs.size",
           "return (probs - one_hot(y, probs.shape[1])) / n", "return (probs - one_hot(y, probs.shape[1])) / probs.size", expect='you divided by N*C'),
    Mutant("loss gradient sign flipped (one_hot - probs)",
           "return (probs - one_hot(y, probs.shape[1])) / n", "return (one_hot(y, probs.shape[1]) - probs) / n", expect='the sign is flipped'),
    Mutant("init_params: b2 of shape (1, n_hidden)",
           '"W2": W2, "b2": np.zeros((1, n_out), dtype=np.float32)}', '"W2": W2, "b2": np.zeros((1, n_hidden), dtype=np.float32)}', expect="['b2']: expected shape (1, 10), got (1, 256)"),
    Mutant("forward: logits from Z1 (ReLU output unused)",
           'logits = A1 @ params["W2"] + params["b2"]', 'logits = Z1 @ params["W2"] + params["b2"]', expect='computed from the pre-activation Z1'),
    Mutant("forward: np.max instead of np.maximum",
           "A1 = np.maximum(Z1, 0)", "A1 = np.max(Z1, 0)", expect='the batch axis 0 was reduced'),
    Mutant("backward: precedence dA1 * Z1 > 0",
           "dZ1 = dA1 * (Z1 > 0) ", "dZ1 = dA1 * Z1 > 0 ", expect='a comparison binds after * and @'),
    Mutant("backward: extra 1/N on dW2 only",
           "dW2 = A1.T @ dlogits", "dW2 = A1.T @ dlogits / X.shape[0]", expect="['W2']: the 1/N is applied twice"),
    Mutant("accuracy returns the error rate",
           "return float(np.mean(scores.argmax(axis=1) == y))", "return float(np.mean(scores.argmax(axis=1) != y))", expect='share of WRONG predictions'),
    Mutant("fit: linear lr decay",
           "epoch_lr = lr * lr_decay ** (epoch - 1)", "epoch_lr = lr * (1 - (1 - lr_decay) * (epoch - 1))", expect='the rate decays geometrically'),
    Mutant("precision over axis 1 (equals recall)",
           "predicted, actual = cm.sum(axis=0), cm.sum(axis=1)", "predicted, actual = cm.sum(axis=1), cm.sum(axis=1)", expect='precision divides by the PREDICTED counts'),
    Mutant("confusion_matrix loop stops one sample early",
           "np.add.at(cm, (y_true, y_pred), 1)     # unlike cm[...] += 1, counts repeated pairs",
           "for i in range(len(y_true) - 1):\n        cm[y_true[i], y_pred[i]] += 1", expect='every sample is counted but the last one'),
    Mutant("train_epoch: loss weighted by batch_size",
           "total_loss += cross_entropy(logits, yb) * xb.shape[0]", "total_loss += cross_entropy(logits, yb) * batch_size", expect='weighted by batch_size, but the last batch is smaller'),
    Mutant("minibatches: slice order[start:batch_size]",
           "idx = order[start:start + batch_size]", "idx = order[start:batch_size]", expect='every slice after the first is empty'),
    Mutant("sgd_update with weight decay 1e-3",
           "params[name] -= lr * g", "params[name] -= lr * (g + 1e-3 * params[name])", expect='your step changes when only params change'),
    # named on first sight by the general probes above (written after them, never measured before)
    Mutant("sgd_update normalised by the largest gradient", "params[name] -= lr * g", "params[name] -= lr * g / np.abs(g).max()", expect='doubling every gradient multiplied your step'),
    Mutant("minibatches slice end one short", "idx = order[start:start + batch_size]", "idx = order[start:start + batch_size - 1]", expect='order[0:4] where order[0:5] belongs'),
    Mutant("confusion_matrix loop from 1",
           "np.add.at(cm, (y_true, y_pred), 1)     # unlike cm[...] += 1, counts repeated pairs",
           "for i in range(1, len(y_true)):\n        cm[y_true[i], y_pred[i]] += 1", expect='every sample is counted but the first one'),
    Mutant("cross_entropy logsumexp with the batch sum of exps",
           "log_norm = m[:, 0] + np.log(np.exp(logits - m).sum(axis=1))", "log_norm = m[:, 0] + np.log(np.exp(logits - m).sum() / len(logits))", expect="a row's result depends on the other rows"),
    Mutant("forward: np.sum instead of np.maximum", "A1 = np.maximum(Z1, 0)", "A1 = np.sum(Z1, 0, keepdims=True)", expect='the batch axis 0 was reduced'),
    # which input a wrong answer comes from (checks/isolate.py, wired into the fallback)
    Mutant("backward: dW2 from X", "dW2 = A1.T @ dlogits", "dW2 = X.T @ dlogits", expect='A1 is not used where the formula needs it'),
    Mutant("forward: b2 scaled by 0.5", 'logits = A1 @ params["W2"] + params["b2"]', 'logits = A1 @ params["W2"] + 0.5 * params["b2"]', expect='becomes right when b2 = 0'),
    Mutant("forward: b2 added to Z1 (b1 unused)", 'Z1 = X @ params["W1"] + params["b1"]', 'Z1 = X @ params["W1"] + params["b2"]', expect='b1 is not used where the formula needs it'),
    Mutant("backward: db2 from A1", "db2 = dlogits.sum(axis=0, keepdims=True)", "db2 = (A1 @ params['W2']).sum(axis=0, keepdims=True)", expect='dlogits is not used where the formula needs it'),
    # Held-out measurement after round 6: the batches yielded as (y, X) also cost train_epoch's cell.
    Mutant("iterate_minibatches yields (y_batch, X_batch)", "yield X[idx], y[idx]", "yield y[idx], X[idx]",
           expect="a batch must be X_batch"),
    Mutant("accuracy by integer division (was called 'argmax without axis')",
           "return float(np.mean(scores.argmax(axis=1) == y))",
           "return float(np.sum(scores.argmax(axis=1) == y) // len(y))", expect="rounded down to a whole number"),
    # --- issue 15, round 7: the round-6 measurement's mistakes and a fresh held-out set ---
    Mutant('normalize casts to int8 before dividing', '.astype(np.float32) / np.float32(255)', '.astype(np.int8) / np.float32(255)', expect='signed 8-bit integer (np.int8)'),
    Mutant('one_hot writes the label value instead of 1', 'Y[np.arange(y.shape[0]), y] = 1.0', 'Y[np.arange(y.shape[0]), y] = y', expect='writes the label value y[i]'),
    Mutant('softmax divides by the row max of e instead of the sum', 'return e / e.sum(axis=1, keepdims=True)', 'return e / e.max(axis=1, keepdims=True)', expect='divide each row by its sum'),
    Mutant('softmax with scipy logsumexp without axis (global)', '    e = np.exp(z - z.max(axis=1, keepdims=True))\n    return e / e.sum(axis=1, keepdims=True)', '    from scipy.special import logsumexp\n    return np.exp(z - logsumexp(z))', expect='sum over the whole batch'),
    Mutant('cross_entropy naive logsumexp (no max shift)', 'log_norm = m[:, 0] + np.log(np.exp(logits - m).sum(axis=1))', 'log_norm = np.log(np.exp(logits).sum(axis=1))', expect='overflow encountered in exp'),
    Mutant('cross_entropy indexes logits[y, arange(N)]', 'true_logit = logits[np.arange(logits.shape[0]), y]', 'true_logit = logits[y, np.arange(logits.shape[0])]', expect='row and column swapped'),
    Mutant('loss gradient averaged over the batch (.mean(axis=0))', 'return (probs - one_hot(y, probs.shape[1])) / n', 'return (probs - one_hot(y, probs.shape[1])).mean(axis=0)', expect='does not average the rows away'),
    Mutant('init_params W1 with Xavier std sqrt(2/(n_in+n_hidden))', 'np.float32(np.sqrt(2.0 / n_in))', 'np.float32(np.sqrt(2.0 / (n_in + n_hidden)))', expect='Xavier/Glorot'),
    Mutant('forward ReLU as np.clip(Z1, 0, 1)', 'A1 = np.maximum(Z1, 0)', 'A1 = np.clip(Z1, 0, 1)', expect='hidden activation A1 that is not ReLU(Z1)'),
    Mutant('backward dA1 through W1 instead of W2', 'dA1 = dlogits @ params["W2"].T', 'dA1 = dlogits @ params["W1"].T', expect='W1 written in place of W2'),
    Mutant('backward adds an L2 term to dW2 only', 'dW2 = A1.T @ dlogits', 'dW2 = A1.T @ dlogits + 1e-3 * params["W2"]', expect='plus 0.001 * W2 exactly'),
    Mutant('sgd_update with the sign of the gradient (signSGD)', 'params[name] -= lr * g', 'params[name] -= lr * np.sign(g)', expect='a clip or a sign'),
    Mutant('train_epoch forward on the full X', 'logits, cache = forward(params, xb)', 'logits, cache = forward(params, X)', expect='forward was run on the whole X'),
    Mutant("train_epoch divides by the last batch's size", 'return total_loss / X.shape[0], total_correct / X.shape[0]', 'return total_loss / xb.shape[0], total_correct / xb.shape[0]', expect='size of the LAST batch'),
    Mutant('fit lr * lr_decay * (epoch - 1) (* for **)', 'epoch_lr = lr * lr_decay ** (epoch - 1)', 'epoch_lr = lr * lr_decay * (epoch - 1)', expect='the first epoch must use lr itself'),
    Mutant('fit names the column train_accuracy', '"train_acc": train_acc,', '"train_accuracy": train_acc,', expect="the columns ['train_acc'"),
    Mutant('confusion_matrix np.add.at with a list index [y_true, y_pred]', 'np.add.at(cm, (y_true, y_pred), 1)', 'np.add.at(cm, [y_true, y_pred], 1)', expect='whole ROWS are counted'),
    Mutant('confusion_matrix infers the number of classes from the data', 'cm = np.zeros((num_classes, num_classes), dtype=np.int64)', 'num_classes = int(max(y_true.max(), y_pred.max())) + 1\n    cm = np.zeros((num_classes, num_classes), dtype=np.int64)', expect='use the num_classes argument'),
    Mutant('precision_recall_f1 with integer tp (np.diag without astype)', 'tp = np.diag(cm).astype(np.float64)', 'tp = np.diag(cm)', expect='astype(float)'),
    Mutant('precision np.divide(where=) without out= (uninitialised entries)', 'precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)', 'precision = np.divide(tp, predicted, where=predicted > 0)', expect='unless you also pass out='),
    Mutant('normalize casts back to uint8 after dividing', 'return images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255)', 'return (images.reshape(images.shape[0], -1) / 255).astype(np.uint8)', expect='must have dtype float32'),
    Mutant('one_hot Y[y] = 1 (whole rows at the label index)', 'Y[np.arange(y.shape[0]), y] = 1.0', 'Y[y] = 1.0', expect='Y[y] = 1 sets whole ROWS'),
    Mutant('softmax shifts the numerator only', '    e = np.exp(z - z.max(axis=1, keepdims=True))\n    return e / e.sum(axis=1, keepdims=True)', '    e = np.exp(z - z.max(axis=1, keepdims=True))\n    return e / np.exp(z).sum(axis=1, keepdims=True)', expect='the denominator is not'),
    Mutant('cross_entropy divided by C instead of N', 'return float(np.mean(log_norm - true_logit))', 'return float(np.sum(log_norm - true_logit) / logits.shape[1])', expect='divided by the number of classes C'),
    Mutant('loss gradient floor-divided by n (// n)', 'return (probs - one_hot(y, probs.shape[1])) / n', 'return (probs - one_hot(y, probs.shape[1])) // n', expect='floor division //'),
    Mutant('init_params random b1', '"b1": np.zeros((1, n_hidden), dtype=np.float32)', '"b1": rng.standard_normal((1, n_hidden), dtype=np.float32)', expect='b1 is not all zeros'),
    Mutant('forward caches (X, Z1, Z1) (A1 slot holds Z1)', 'return logits, (X, Z1, A1)', 'return logits, (X, Z1, Z1)', expect='its A1 equals Z1'),
    Mutant('backward db1 averaged over the batch', 'db1 = dZ1.sum(axis=0, keepdims=True)', 'db1 = dZ1.mean(axis=0, keepdims=True)', expect='the 1/N is applied twice'),
    Mutant('accuracy divided by the number of classes', 'return float(np.mean(scores.argmax(axis=1) == y))', 'return float(np.sum(scores.argmax(axis=1) == y) / scores.shape[1])', expect='divided by C = scores.shape[1]'),
    Mutant('iterate_minibatches yield outside the loop (last batch only)', '        idx = order[start:start + batch_size]\n        yield X[idx], y[idx]', '        idx = order[start:start + batch_size]\n    yield X[idx], y[idx]', expect='must be inside the loop'),
    Mutant('train_epoch backward given the probabilities instead of dlogits', 'params.update(sgd_update(params, backward(params, cache, dlogits), lr))', 'params.update(sgd_update(params, backward(params, cache, softmax(logits)), lr))', expect='backward was given the probabilities'),
    Mutant('fit returns the history without set_index (epoch a column)', 'return pd.DataFrame(rows).set_index("epoch")', 'return pd.DataFrame(rows)', expect='indexed by epoch'),
    Mutant('f1 with recall twice (2 r r / (r + r))', 'f1 = np.divide(2 * precision * recall, both, out=np.zeros_like(tp), where=both > 0)', 'f1 = np.divide(2 * recall * recall, recall + recall, out=np.zeros_like(tp), where=recall > 0)', expect='equals the recall'),
    # --- issue 15, round 7: a second fresh set, measured after the general fixes ---
    Mutant('softmax divides by the row sums transposed', 'return e / e.sum(axis=1, keepdims=True)', 'return e / e.sum(axis=1, keepdims=True).T', expect='a transpose .T of the (N, 1) column'),
    Mutant('backward db2 summed over axis 1', 'db2 = dlogits.sum(axis=0, keepdims=True)', 'db2 = dlogits.sum(axis=1, keepdims=True)', expect='over axis 1 where axis 0 belongs'),
    Mutant('sgd_update lr applied twice (lr * lr * g)', 'params[name] -= lr * g', 'params[name] -= lr * lr * g', expect='applied twice'),
    Mutant('one_hot with np.eye(num_classes)[y].T', '    Y = np.zeros((y.shape[0], num_classes), dtype=np.float32)\n    Y[np.arange(y.shape[0]), y] = 1.0\n    return Y', '    return np.eye(num_classes, dtype=np.float32)[y].T', expect='one row per sample'),
    # --- issue 15, round 8: the round-7 measurement's mistakes ---
    Mutant('one_hot sized by the number of distinct labels', '    Y = np.zeros((y.shape[0], num_classes), dtype=np.float32)\n', '    num_classes = len(np.unique(y))\n    Y = np.zeros((y.shape[0], num_classes), dtype=np.float32)\n', expect='num_classes columns whatever labels'),
    Mutant('sgd_update with momentum 0.9 in a module-level velocity dict', '    for name, g in grads.items():\n        params[name] -= lr * g\n    return params', "    global _VEL\n    if '_VEL' not in globals():\n        _VEL = {}\n    for name, g in grads.items():\n        _VEL[name] = 0.9 * _VEL.get(name, 0) + g\n        params[name] -= lr * _VEL[name]\n    return params", expect='kept from outside the call'),
    Mutant('accuracy from argsort(...)[:, 0] (the smallest score)', 'return float(np.mean(scores.argmax(axis=1) == y))', 'return float(np.mean(np.argsort(scores, axis=1)[:, 0] == y))', expect='SMALLEST score'),
    Mutant('train_epoch accuracy measured after the update', '        params.update(sgd_update(params, backward(params, cache, dlogits), lr))\n', '        params.update(sgd_update(params, backward(params, cache, dlogits), lr))\n        total_correct += accuracy(forward(params, xb)[0], yb) * xb.shape[0]\n', expect='accuracy before its update', also=(('        total_correct += accuracy(logits, yb) * xb.shape[0]\n', ''),)),
    Mutant('train_epoch full-batch (batch_size ignored)', 'for xb, yb in iterate_minibatches(X, y, batch_size, rng):\n        logits, cache', 'for xb, yb in iterate_minibatches(X, y, X.shape[0], rng):\n        logits, cache', expect='ONE update on the whole data set'),
    Mutant('fit unpacks train_epoch as (acc, loss)', 'train_loss, train_acc = train_epoch(', 'train_acc, train_loss = train_epoch(', expect='swapped'),
    Mutant('precision_recall_f1 with tp = cm.trace() (total correct)', 'tp = np.diag(cm).astype(np.float64)', 'tp = np.full(cm.shape[0], float(cm.trace()))', expect='cm.trace()'),
    Mutant('f1 from the macro-averaged precision and recall (same value for every class)', '    f1 = np.divide(2 * precision * recall, both, out=np.zeros_like(tp), where=both > 0)', '    P, R = precision.mean(), recall.mean()\n    f1 = np.full_like(tp, 2 * P * R / (P + R))', expect='MACRO averages'),
    Mutant('iterate_minibatches yields Python lists of rows', 'yield X[idx], y[idx]', 'yield [X[i] for i in idx], [y[i] for i in idx]', expect='must be a numpy.ndarray'),
    Mutant('accuracy as the share of true-class scores above 0.5 (binary habit)', 'return float(np.mean(scores.argmax(axis=1) == y))', 'return float(np.mean(scores[np.arange(len(y)), y] > 0.5))', expect='above 0.5'),
    Mutant('backward returns the W1 and W2 gradients swapped in the dict', 'return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}', 'return {"W1": dW2, "b1": db1, "W2": dW1, "b2": db2}', expect='keys swapped'),
    Mutant('cross_entropy with label smoothing 0.1', '    return float(np.mean(log_norm - true_logit))', '    nll = log_norm - true_logit\n    smooth = log_norm - logits.mean(axis=1)\n    return float(np.mean(0.9 * nll + 0.1 * smooth))', expect='label smoothing with eps = 0.1'),
    Mutant('fit measures val_loss on softmax(logits) (probabilities given to cross_entropy)', 'val_logits, _ = forward(params, X_val)', 'val_logits = softmax(forward(params, X_val)[0])', expect='takes the LOGITS'),
]

VARIANTS = [
    Variant("one_hot with np.eye", old="    Y = np.zeros((y.shape[0], num_classes), dtype=np.float32)\n"
            "    Y[np.arange(y.shape[0]), y] = 1.0\n    return Y",
            new="    return np.eye(num_classes, dtype=np.float32)[y]"),
    Variant("normalize by multiplying with 1/255",
            old=".astype(np.float32) / np.float32(255)", new=".astype(np.float32) * np.float32(1 / 255)"),
    Variant("softmax via exp(z - logsumexp)",
            old="    e = np.exp(z - z.max(axis=1, keepdims=True))\n    return e / e.sum(axis=1, keepdims=True)",
            new="    from scipy.special import logsumexp\n    return np.exp(z - logsumexp(z, axis=1, keepdims=True))"),
    Variant("cross-entropy with scipy logsumexp",
            old="log_norm = m[:, 0] + np.log(np.exp(logits - m).sum(axis=1))",
            new="log_norm = __import__('scipy.special').special.logsumexp(logits, axis=1)"),
    Variant("cross-entropy with a documented clamp on the true-class probability",
            old="return float(np.mean(log_norm - true_logit))",
            new="return float(-np.mean(np.maximum(true_logit - log_norm, np.log(1e-300))))"),
    Variant("np.dot instead of @ in forward",
            old='Z1 = X @ params["W1"] + params["b1"]', new='Z1 = np.dot(X, params["W1"]) + params["b1"]'),
    Variant("ReLU mask from the activation (A1 > 0)", old="dA1 * (Z1 > 0)", new="dA1 * (A1 > 0)"),
    Variant("SGD update that reassigns the dict's entries",
            old="params[name] -= lr * g", new="params[name] = params[name] - lr * g"),
    Variant("accuracy with count_nonzero",
            old="return float(np.mean(scores.argmax(axis=1) == y))",
            new="return np.count_nonzero(np.argmax(scores, axis=1) == y) / len(y)"),
    Variant("minibatches: shuffle once, then slice views",
            old="    for start in range(0, X.shape[0], batch_size):\n        idx = order[start:start + batch_size]\n"
                "        yield X[idx], y[idx]",
            new="    Xs, ys = X[order], y[order]\n    for start in range(0, len(Xs), batch_size):\n"
                "        yield Xs[start:start + batch_size], ys[start:start + batch_size]"),
    Variant("confusion matrix with bincount",
            old="    cm = np.zeros((num_classes, num_classes), dtype=np.int64)\n"
                "    np.add.at(cm, (y_true, y_pred), 1)     # unlike cm[...] += 1, counts repeated pairs\n",
            new="    cm = np.bincount(y_true * num_classes + y_pred,\n"
                "                     minlength=num_classes ** 2).reshape(num_classes, num_classes)\n"),
    Variant("precision with errstate and nan_to_num",
            old="precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)",
            new="precision = np.nan_to_num(np.divide(tp, predicted, where=predicted > 0, "
                "out=np.full_like(tp, np.nan)))"),
    # --- issue 15: more correct answers, float32 ones included ------------------------------------
    Variant("softmax through log-sum-exp in float32 (fine at logits of +-1000)",
            old="    e = np.exp(z - z.max(axis=1, keepdims=True))\n    return e / e.sum(axis=1, keepdims=True)",
            new="    z = np.asarray(z, dtype=np.float32)\n    m = z.max(axis=1, keepdims=True)\n"
                "    lse = m + np.log(np.exp(z - m).sum(axis=1, keepdims=True))\n    return np.exp(z - lse)"),
    Variant("softmax via scipy.special.softmax",
            old="    e = np.exp(z - z.max(axis=1, keepdims=True))\n    return e / e.sum(axis=1, keepdims=True)",
            new="    from scipy.special import softmax as sp_softmax\n    return sp_softmax(z, axis=1)"),
    Variant("cross-entropy via log-softmax and take_along_axis",
            old="    true_logit = logits[np.arange(logits.shape[0]), y]\n    return float(np.mean(log_norm - true_logit))",
            new="    log_p = logits - log_norm[:, None]\n"
                "    return float(-np.mean(np.take_along_axis(log_p, y[:, None], axis=1)))"),
    Variant("cross-entropy computed in float32",
            old="    m = logits.max(axis=1, keepdims=True)\n",
            new="    logits = np.asarray(logits, dtype=np.float32)\n    m = logits.max(axis=1, keepdims=True)\n"),
    Variant("loss gradient: copy, subtract 1 at the labels, divide by N (CS231n dscores)",
            old="return (probs - one_hot(y, probs.shape[1])) / n",
            new="d = probs.copy()\n    d[np.arange(n), y] -= 1\n    return d / n"),
    Variant("backward with einsum",
            old="dW2 = A1.T @ dlogits", new="dW2 = np.einsum('nh,no->ho', A1, dlogits)"),
    Variant("SGD update with np.subtract(out=)",
            old="params[name] -= lr * g", new="np.subtract(params[name], lr * g, out=params[name])"),
    Variant("minibatches with np.array_split",
            old="    for start in range(0, X.shape[0], batch_size):\n        idx = order[start:start + batch_size]\n",
            new="    for idx in np.array_split(order, range(batch_size, X.shape[0], batch_size)):\n"),
    Variant("train_epoch counts correct predictions inline",
            old="total_correct += accuracy(logits, yb) * xb.shape[0]",
            new="total_correct += float(np.sum(logits.argmax(axis=1) == yb))"),
    Variant("fit builds the history with an explicit index",
            old='return pd.DataFrame(rows).set_index("epoch")',
            new='return pd.DataFrame(rows, index=pd.RangeIndex(1, epochs + 1, name="epoch")).drop(columns="epoch")'),
    # --- issue 15, second held-out round ----------------------------------------------------------------
    Variant("cross_entropy from softmax probabilities with +1e-12 in the log",
            old="return float(np.mean(log_norm - true_logit))",
            new="return float(-np.mean(np.log(softmax(logits)[np.arange(logits.shape[0]), y] + 1e-12)))"),
    Variant("precision with a max(., 1) denominator",
            old="precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)",
            new="precision = tp / np.maximum(predicted, 1)"),
    Variant("backward masks dA1 in place", old="dZ1 = dA1 * (Z1 > 0)", new="dZ1 = dA1\n    dZ1[Z1 <= 0] = 0"),
    Variant("train_epoch: accuracy measured on the probabilities",
            old="total_correct += accuracy(logits, yb) * xb.shape[0]",
            new="total_correct += accuracy(softmax(logits), yb) * xb.shape[0]"),
    Variant("minibatches with rng.choice", old="order = rng.permutation(X.shape[0])",
            new="order = rng.choice(X.shape[0], size=X.shape[0], replace=False)"),
    Variant("one_hot by comparison",
            old="    Y = np.zeros((y.shape[0], num_classes), dtype=np.float32)\n    Y[np.arange(y.shape[0]), y] = 1.0\n    return Y",
            new="    return (y[:, None] == np.arange(num_classes)[None, :]).astype(np.float32)"),
    Variant("sgd_update iterating over params by name",
            old="    for name, g in grads.items():\n        params[name] -= lr * g\n",
            new="    for name in params:\n        params[name] -= lr * grads[name]\n"),
    Variant("forward with a multiplicative ReLU", old="A1 = np.maximum(Z1, 0)", new="A1 = Z1 * (Z1 > 0)"),
    Variant("f1 under errstate with nan_to_num",
            old="f1 = np.divide(2 * precision * recall, both, out=np.zeros_like(tp), where=both > 0)",
            new="with np.errstate(invalid='ignore', divide='ignore'):\n        f1 = np.nan_to_num(2 * precision * recall / both)"),
    # --- issue 15, third held-out round (probe first on the unchanged checks, then catalogued) ---------------
    Variant("one_hot with an explicit loop",
            "    Y[np.arange(y.shape[0]), y] = 1.0\n", "    for i, c in enumerate(y):\n        Y[i, c] = 1.0\n"),
    Variant("softmax in place on its own shifted copy (float32 kept)",
            "    e = np.exp(z - z.max(axis=1, keepdims=True))\n    return e / e.sum(axis=1, keepdims=True)",
            "    e = z - z.max(axis=1, keepdims=True)\n    np.exp(e, out=e)\n    e /= e.sum(axis=1, keepdims=True)\n    return e"),
    Variant("cross_entropy with np.logaddexp.reduce",
            "log_norm = m[:, 0] + np.log(np.exp(logits - m).sum(axis=1))",
            "log_norm = np.logaddexp.reduce(logits, axis=1)"),
    Variant("confusion_matrix with a loop",
            "np.add.at(cm, (y_true, y_pred), 1)     # unlike cm[...] += 1, counts repeated pairs",
            "for t, p in zip(y_true, y_pred):\n        cm[t, p] += 1"),
    Variant("backward masks with np.where",
            "dZ1 = dA1 * (Z1 > 0) ", "dZ1 = np.where(Z1 > 0, dA1, 0) "),
    Variant("minibatches with np.split at multiples of B",
            "    for start in range(0, X.shape[0], batch_size):\n        idx = order[start:start + batch_size]\n",
            "    for idx in np.split(order, np.arange(batch_size, X.shape[0], batch_size)):\n"),
    Variant("accuracy as a count over len(y)",
            "return float(np.mean(scores.argmax(axis=1) == y))",
            "return np.sum(np.argmax(scores, axis=-1) == y) / len(y)"),
    # --- issue 15, fourth held-out round ------------------------------------------------------------------
    Variant("normalize divides in float64 then casts",
            "return images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255)",
            "return (images.reshape(images.shape[0], -1) / 255.0).astype(np.float32)"),
    Variant("init_params with rng.normal(scale=) cast to float32",
            "W1 = rng.standard_normal((n_in, n_hidden), dtype=np.float32) * np.float32(np.sqrt(2.0 / n_in))",
            "W1 = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_hidden)).astype(np.float32)"),
    Variant("backward: ReLU derivative via np.sign(A1)", "dZ1 = dA1 * (Z1 > 0) ", "dZ1 = dA1 * np.sign(A1) "),
    Variant("cross_entropy via the diagonal of logits[:, y]",
            "true_logit = logits[np.arange(logits.shape[0]), y]", "true_logit = np.diag(logits[:, y])"),
    Variant("fit: lr decayed at the end of each epoch",
            "    rows = []\n    bar", "    rows = []\n    epoch_lr = lr\n    bar",
            also=[("        epoch_lr = lr * lr_decay ** (epoch - 1)\n", ""),
                  ("        val_logits, _ = forward(params, X_val)\n",
                   "        epoch_lr *= lr_decay\n        val_logits, _ = forward(params, X_val)\n")]),
    Variant("iterate_minibatches returns a list of batches",
            "    for start in range(0, X.shape[0], batch_size):\n        idx = order[start:start + batch_size]\n"
            "        yield X[idx], y[idx]",
            "    return [(X[order[s:s + batch_size]], y[order[s:s + batch_size]])\n"
            "            for s in range(0, X.shape[0], batch_size)]"),
    # --- issue 15, fifth held-out round ---------------------------------------------------------------------
    Variant("normalize with np.true_divide(dtype=float32)",
            "return images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255)",
            "return np.true_divide(images, 255, dtype=np.float32).reshape(len(images), -1)"),
    Variant("confusion_matrix via histogram2d with explicit range",
            "    cm = np.zeros((num_classes, num_classes), dtype=np.int64)\n    np.add.at(cm, (y_true, y_pred), 1)     # unlike cm[...] += "
            "1, counts repeated pairs\n    return cm",
            "    cm, _, _ = np.histogram2d(y_true, y_pred, bins=num_classes, range=[[0, num_classes], [0, num_classes]])\n    return "
            "cm.astype(np.int64)"),
    Variant("loss gradient with np.subtract.at on a copy",
            "    return (probs - one_hot(y, probs.shape[1])) / n",
            "    g = probs.copy()\n    np.subtract.at(g, (np.arange(n), y), 1)\n    return g / n"),
    Variant("cross_entropy via scipy.special.log_softmax",
            "    m = logits.max(axis=1, keepdims=True)\n    log_norm = m[:, 0] + np.log(np.exp(logits - m).sum(axis=1))\n    true_logit = "
            "logits[np.arange(logits.shape[0]), y]\n    return float(np.mean(log_norm - true_logit))",
            "    from scipy.special import log_softmax\n    return float(-np.mean(log_softmax(logits, axis=1)[np.arange(len(y)), y]))"),
    Variant("accuracy with np.average of np.equal",
            "return float(np.mean(scores.argmax(axis=1) == y))", "return float(np.average(np.equal(np.argmax(scores, axis=1), y)))"),
    # --- issue 15, sixth held-out round ---------------------------------------------------------------------
    Variant("f1 as 2 tp / (predicted + actual)",
            "f1 = np.divide(2 * precision * recall, both, out=np.zeros_like(tp), where=both > 0)",
            "f1 = np.divide(2 * tp, predicted + actual, out=np.zeros_like(tp), where=(predicted + actual) > 0)"),
    Variant("softmax normalised with [:, np.newaxis]",
            "return e / e.sum(axis=1, keepdims=True)", "return e / np.sum(e, axis=-1)[:, np.newaxis]"),
    Variant("cross_entropy as mean(lse) - mean(true logit)",
            "return float(np.mean(log_norm - true_logit))", "return float(np.mean(log_norm) - np.mean(true_logit))"),
    Variant("one_hot with put_along_axis",
            "    Y[np.arange(y.shape[0]), y] = 1.0\n", "    np.put_along_axis(Y, y[:, None], 1.0, axis=1)\n"),
    Variant("backward with np.dot and [None, :] bias sums",
            "db1 = dZ1.sum(axis=0, keepdims=True)", "db1 = np.sum(dZ1, axis=0)[None, :]"),
    Variant("fit lr with np.power", "epoch_lr = lr * lr_decay ** (epoch - 1)", "epoch_lr = lr * np.power(lr_decay, epoch - 1)"),
    # --- issue 15, round 7: the round-6 measurement's mistakes and a fresh held-out set ---
    Variant('normalize reshape(-1, H*W)', 'return images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255)', 'return images.reshape(-1, images.shape[1] * images.shape[2]).astype(np.float32) / np.float32(255)'),
    Variant('iterate_minibatches wraps rng in default_rng(rng)', 'order = rng.permutation(X.shape[0])', 'order = np.random.default_rng(rng).permutation(X.shape[0])'),
    Variant('iterate_minibatches sorts the indices inside each batch', 'idx = order[start:start + batch_size]', 'idx = np.sort(order[start:start + batch_size])'),
    Variant('backward ReLU derivative with np.heaviside', 'dZ1 = dA1 * (Z1 > 0) ', 'dZ1 = dA1 * np.heaviside(Z1, 0.0) '),
    Variant('confusion_matrix as one_hot(y_true).T @ one_hot(y_pred)', '    cm = np.zeros((num_classes, num_classes), dtype=np.int64)\n    np.add.at(cm, (y_true, y_pred), 1)     # unlike cm[...] += 1, counts repeated pairs\n', '    cm = (one_hot(y_true, num_classes).T @ one_hot(y_pred, num_classes)).round().astype(np.int64)\n'),
    Variant('forward with einsum', 'Z1 = X @ params["W1"] + params["b1"]', 'Z1 = np.einsum("ni,ih->nh", X, params["W1"]) + params["b1"]'),
    Variant('fit loops over range(epochs) and adds 1', 'bar = progress(range(1, epochs + 1), desc="training", unit="epoch")\n    for epoch in bar:\n        epoch_lr = lr * lr_decay ** (epoch - 1)', 'bar = progress(range(epochs), desc="training", unit="epoch")\n    for e in bar:\n        epoch = e + 1\n        epoch_lr = lr * lr_decay ** e'),
    Variant('softmax with axis=-1 and [:, None]', '    e = np.exp(z - z.max(axis=1, keepdims=True))\n    return e / e.sum(axis=1, keepdims=True)', '    e = np.exp(z - np.max(z, axis=-1)[:, None])\n    return e / np.sum(e, axis=-1)[:, None]'),
    Variant('accuracy via sum / y.size', 'return float(np.mean(scores.argmax(axis=1) == y))', 'return float(np.sum(np.argmax(scores, 1) == y) / y.size)'),
    Variant('normalize with np.asarray(dtype=float32) / 255.0', 'return images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255)', 'return np.asarray(images, dtype=np.float32).reshape(len(images), -1) / 255.0'),
    Variant('train_epoch divides by the samples it saw', '    total_loss, total_correct = 0.0, 0.0\n', '    total_loss, total_correct, seen = 0.0, 0.0, 0\n', also=[('        logits, cache = forward(params, xb)\n', '        logits, cache = forward(params, xb)\n        seen += len(xb)\n'), ('return total_loss / X.shape[0], total_correct / X.shape[0]', 'return total_loss / seen, total_correct / seen')]),
    # --- issue 15, round 7: a second fresh set, measured after the general fixes ---
    Variant('cross_entropy with both terms shifted by the row max', 'true_logit = logits[np.arange(logits.shape[0]), y]\n    return float(np.mean(log_norm - true_logit))', 'true_logit = (logits - m)[np.arange(logits.shape[0]), y]\n    return float(np.mean(log_norm - m[:, 0] - true_logit))'),
]

# --- issue 15, round 9 (r9a): the held-out measurement's mistakes and variants ---
MUTANTS += [
    Mutant('normalize standardises each pixel (X - mean) / std over the batch', 'return images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255)', 'X = images.reshape(images.shape[0], -1).astype(np.float32)\n    return (X - X.mean(axis=0)) / X.std(axis=0)', expect='each pixel is standardised'),
    Mutant('one_hot float64 (np.zeros default dtype)', 'Y = np.zeros((y.shape[0], num_classes), dtype=np.float32)', 'Y = np.zeros((y.shape[0], num_classes))', expect='dtype float64'),
    Mutant('cross_entropy sum over the batch divided by C', 'return float(np.mean(log_norm - true_logit))', 'return float(np.sum(log_norm - true_logit) / logits.shape[1])', expect='divided by the number of classes'),
    Mutant('cross_entropy logsumexp over axis 0 (per class, not per sample)', '    m = logits.max(axis=1, keepdims=True)\n    log_norm = m[:, 0] + np.log(np.exp(logits - m).sum(axis=1))', '    m = logits.max(axis=0, keepdims=True)\n    log_norm = m[0] + np.log(np.exp(logits - m).sum(axis=0))', expect='one value per CLASS'),
    Mutant('loss gradient dscores[y, range(N)] -= 1 (indices swapped)', '    n = probs.shape[0]\n    return (probs - one_hot(y, probs.shape[1])) / n', '    n = probs.shape[0]\n    d = probs.copy()\n    d[y, np.arange(n)] -= 1\n    return d / n', expect='label was used as a ROW index'),
    Mutant('init_params W1 std 2 / sqrt(n_in) instead of sqrt(2 / n_in)', 'np.float32(np.sqrt(2.0 / n_in))', 'np.float32(2.0 / np.sqrt(n_in))', expect='too large for fan-in'),
    Mutant('forward subtracts the row max from the logits (over-stabilised)', '    logits = A1 @ params["W2"] + params["b2"]\n', '    logits = A1 @ params["W2"] + params["b2"]\n    logits = logits - logits.max(axis=1, keepdims=True)\n', expect='shifted by its maximum'),
    Mutant('backward returns a tuple (dW1, db1, dW2, db2)', 'return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}', 'return dW1, db1, dW2, db2', expect='must return a dict'),
    Mutant("sgd_update reads grads['d' + name] (CS231n naming)", '    for name, g in grads.items():\n        params[name] -= lr * g\n', "    for name in params:\n        params[name] -= lr * grads['d' + name]\n", expect="looked up the key 'dW1'"),
    Mutant('accuracy divided by the number of columns', 'return float(np.mean(scores.argmax(axis=1) == y))', 'return float(np.sum(scores.argmax(axis=1) == y) / scores.shape[1])', expect='divided by C'),
    Mutant('iterate_minibatches shuffles only inside consecutive batches', '    order = rng.permutation(X.shape[0])\n    for start in range(0, X.shape[0], batch_size):\n        idx = order[start:start + batch_size]\n', '    for start in range(0, X.shape[0], batch_size):\n        idx = start + rng.permutation(min(batch_size, X.shape[0] - start))\n', expect='shuffled only inside the batch'),
    Mutant('train_epoch scales dlogits by the batch size (sum loss)', 'dlogits = softmax_cross_entropy_backward(softmax(logits), yb)', 'dlogits = softmax_cross_entropy_backward(softmax(logits), yb) * xb.shape[0]', expect='len(batch) times'),
    Mutant('fit rebinds lr to the decayed value (decay compounds)', '        epoch_lr = lr * lr_decay ** (epoch - 1)\n', '        lr = lr * lr_decay ** (epoch - 1)\n        epoch_lr = lr\n', expect='overwritten with the decayed rate'),
    Mutant("confusion_matrix as one_hot(y_true).T @ one_hot(y_pred) with one_hot's default 10 classes", '    cm = np.zeros((num_classes, num_classes), dtype=np.int64)\n    np.add.at(cm, (y_true, y_pred), 1)     # unlike cm[...] += 1, counts repeated pairs\n', '    cm = (one_hot(y_true).T @ one_hot(y_pred)).astype(np.int64)\n', expect='use the num_classes argument'),
    Mutant('f1 = 2pr/(p+r) then np.nan_to_num (0/0 warning)', '    f1 = np.divide(2 * precision * recall, both, out=np.zeros_like(tp), where=both > 0)\n', '    f1 = np.nan_to_num(2 * precision * recall / both)\n', expect=('define that ratio as 0', 'the division by zero is in f1')),
]
VARIANTS += [
    Variant('softmax with +1e-12 in the denominator', 'return e / e.sum(axis=1, keepdims=True)', 'return e / (e.sum(axis=1, keepdims=True) + 1e-12)'),
    Variant('one_hot by a loop over classes with boolean masks', '    Y[np.arange(y.shape[0]), y] = 1.0\n', '    for c in range(num_classes):\n        Y[y == c, c] = 1.0\n'),
    Variant('backward masks a copy of dA1 with Z1 <= 0', 'dZ1 = dA1 * (Z1 > 0)   ', 'dZ1 = dA1.copy(); dZ1[Z1 <= 0] = 0   '),
    Variant('accuracy via a list comprehension', 'return float(np.mean(scores.argmax(axis=1) == y))', 'return sum(int(np.argmax(row) == t) for row, t in zip(scores, y)) / len(y)'),
    Variant('cross_entropy from the max-shifted true logit', '    true_logit = logits[np.arange(logits.shape[0]), y]\n    return float(np.mean(log_norm - true_logit))', '    shifted = logits - m\n    return float(np.mean(np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(len(y)), y]))'),
]

# --- issue 15, round 9 (r9a): the second held-out set's mistakes and variants ---
MUTANTS += [
    Mutant('softmax divides by the row sums transposed (e.sum(axis=1, keepdims=True).T)', 'return e / e.sum(axis=1, keepdims=True)', 'return e / e.sum(axis=1, keepdims=True).T', expect='a row (1, N)'),
    Mutant('accuracy as the mean of per-class accuracies (balanced accuracy)', 'return float(np.mean(scores.argmax(axis=1) == y))', 'pred = scores.argmax(axis=1)\n    return float(np.mean([np.mean(pred[y == c] == c) for c in np.unique(y)]))', expect='mean of the per-class accuracies'),
    Mutant('backward ReLU mask A1 >= 0 (true everywhere)', 'dZ1 = dA1 * (Z1 > 0)   ', 'dZ1 = dA1 * (A1 >= 0)   ', expect='A1 >= 0 is true everywhere'),
    Mutant('init_params W2 zeros', 'W2 = rng.standard_normal((n_hidden, n_out), dtype=np.float32) * np.float32(np.sqrt(1.0 / n_hidden))', 'W2 = np.zeros((n_hidden, n_out), dtype=np.float32)', expect='all zeros'),
    Mutant('precision_recall_f1 in percent (x 100)', '    return precision, recall, f1\n', '    return 100 * precision, 100 * recall, 100 * f1\n', expect='percentages'),
    Mutant('iterate_minibatches draws a new permutation for every batch', '    order = rng.permutation(X.shape[0])\n    for start in range(0, X.shape[0], batch_size):\n', '    for start in range(0, X.shape[0], batch_size):\n        order = rng.permutation(X.shape[0])\n', expect='NEW permutation'),
]
VARIANTS += [
    Variant('train_epoch rebinds params = sgd_update(...) (in place anyway)', '        params.update(sgd_update(params, backward(params, cache, dlogits), lr))', '        params = sgd_update(params, backward(params, cache, dlogits), lr)'),
    Variant('iterate_minibatches with rng.permuted(np.arange(N))', 'order = rng.permutation(X.shape[0])', 'order = rng.permuted(np.arange(X.shape[0]))'),
    Variant('accuracy via .mean().item()', 'return float(np.mean(scores.argmax(axis=1) == y))', 'return (scores.argmax(-1) == y).mean().item()'),
]

# Round 9 measurement (lead): a one_hot that ignores num_classes costs only its own cell (the loss
# gradient that calls it is excused); an sgd_update with a module-level step counter is named as state
# kept between calls and costs train_epoch nothing.
MUTANTS += [
    Mutant("M9 one_hot ignores num_classes (always 10 columns)",
           old="Y = np.zeros((y.shape[0], num_classes), dtype=np.float32)",
           new="Y = np.zeros((y.shape[0], 10), dtype=np.float32)", expect="10 columns whatever num_classes is"),
    Mutant("M9 sgd_update decays lr as lr / t with a module-level step counter",
           old="    for name, g in grads.items():\n        params[name] -= lr * g\n",
           new="    global _T\n    _T = globals().get('_T', 0) + 1\n    for name, g in grads.items():\n"
               "        params[name] -= lr / _T * g\n", expect="keeps something between calls"),
]

# Round 9 measurement, fix 2 (f9a): a count above 255 (uint8 counts wrap), one term summed and one
# averaged, a zero He scale from integer division, blocks of consecutive samples shuffled as blocks.
MUTANTS += [
    Mutant("M9b confusion_matrix with dtype uint8 (wraps at 256)",
           old="cm = np.zeros((num_classes, num_classes), dtype=np.int64)",
           new="cm = np.zeros((num_classes, num_classes), dtype=np.uint8)", expect="larger counts wrap around"),
    Mutant("M9b cross_entropy mean(log_norm) - sum(true_logit)",
           old="return float(np.mean(log_norm - true_logit))",
           new="return float(np.mean(log_norm) - np.sum(true_logit))", expect="one term is averaged"),
    Mutant("M9b init_params W1 std sqrt(2 // n_in) (integer division: zero weights)",
           old="np.float32(np.sqrt(2.0 / n_in))", new="np.float32(np.sqrt(2 // n_in))",
           expect="their scale is 0 for fan-in"),
    Mutant("M9b iterate_minibatches shuffles the order of full blocks only (partial block kept last)",
           old="    order = rng.permutation(X.shape[0])\n    for start in range(0, X.shape[0], batch_size):\n"
               "        idx = order[start:start + batch_size]\n",
           new="    n_full = X.shape[0] // batch_size * batch_size\n"
               "    starts = list(rng.permutation(np.arange(0, n_full, batch_size)))"
               " + ([n_full] if n_full < X.shape[0] else [])\n"
               "    for start in starts:\n        idx = np.arange(start, min(start + batch_size, X.shape[0]))\n",
           expect="block of consecutive samples"),
]
MUTANTS += [
    Mutant("M9b iterate_minibatches shuffles the order of the blocks, partial block included",
           old="    order = rng.permutation(X.shape[0])\n    for start in range(0, X.shape[0], batch_size):\n",
           new="    starts = rng.permutation(np.arange(0, X.shape[0], batch_size))\n"
               "    order = np.arange(X.shape[0])\n    for start in starts:\n",
           expect="only the order of the blocks is shuffled"),
]

# Round 10 held-out measurement (r10a): a size written into the code (one_hot's default), the cache
# unpacked in another order, a dtype changed by the update, yielded batches sharing one buffer, f1
# dividing by a zero ratio.
MUTANTS += [
    Mutant("R10 cross_entropy via one_hot(y) with its default 10 classes",
           "    true_logit = logits[np.arange(logits.shape[0]), y]\n",
           "    true_logit = np.sum(one_hot(y) * logits, axis=1)\n", expect="a size not taken from the arguments"),
    Mutant("R10 backward unpacks the cache as (X, A1, Z1)",
           "    X, Z1, A1 = cache\n", "    X, A1, Z1 = cache\n", expect="unpack it as X, Z1, A1 = cache"),
    Mutant("R10 sgd_update casts every updated array to float32",
           "        params[name] -= lr * g\n", "        params[name] = (params[name] - lr * g).astype(np.float32)\n",
           expect="float64 parameters must stay float64"),
    Mutant("R10 iterate_minibatches fills one preallocated buffer (every yielded X_b is the same array)",
           "    order = rng.permutation(X.shape[0])\n    for start in range(0, X.shape[0], batch_size):\n"
           "        idx = order[start:start + batch_size]\n        yield X[idx], y[idx]\n",
           "    order = rng.permutation(X.shape[0])\n    buf = np.empty((batch_size,) + X.shape[1:], dtype=X.dtype)\n"
           "    for start in range(0, X.shape[0], batch_size):\n        idx = order[start:start + batch_size]\n"
           "        buf[:len(idx)] = X[idx]\n        yield buf[:len(idx)], y[idx]\n",
           expect="views of ONE array"),
    Mutant("R10 f1 as the harmonic mean 2 / (1/p + 1/r) (0 division)",
           "    f1 = np.divide(2 * precision * recall, both, out=np.zeros_like(tp), where=both > 0)\n",
           "    f1 = 2 / (1 / precision + 1 / recall)\n", expect="the division by zero is in f1"),
]
VARIANTS += [
    Variant("R10 softmax computed in float64 (upcast)", "e = np.exp(z - z.max(axis=1, keepdims=True))",
            "z = np.asarray(z, dtype=np.float64)\n    e = np.exp(z - z.max(axis=1, keepdims=True))"),
    Variant("R10 cross_entropy true logit via np.choose(y, logits.T)",
            "true_logit = logits[np.arange(logits.shape[0]), y]", "true_logit = np.choose(y, logits.T)"),
]
MUTANTS += [
    Mutant("R10b iterate_minibatches fills one y buffer (y_b shared)",
           "        yield X[idx], y[idx]\n",
           "        yb = getattr(iterate_minibatches, 'ybuf', None)\n        if yb is None or len(yb) < batch_size:\n"
           "            yb = np.empty(batch_size, dtype=y.dtype)\n            iterate_minibatches.ybuf = yb\n"
           "        yb[:len(idx)] = y[idx]\n        yield X[idx], yb[:len(idx)]\n", expect="every y_batch you yielded"),
    Mutant("R10b accuracy over the first 10 columns (scores[:, :10])",
           "return float(np.mean(scores.argmax(axis=1) == y))", "return float(np.mean(scores[:, :10].argmax(axis=1) == y))",
           expect="the code uses only 10 classes"),
    Mutant("R10b sgd_update rounds the step to float16",
           "        params[name] -= lr * g\n", "        params[name] -= (lr * g).astype(np.float16)\n",
           expect="rounded to float16"),
]
MUTANTS += [
    Mutant("R10c one_hot rows indexed with np.arange(num_classes)",
           "Y[np.arange(y.shape[0]), y] = 1.0", "Y[np.arange(num_classes), y] = 1.0",
           expect="Y[np.arange(N), y] = 1"),
    Mutant("R10c sgd_update returns grads instead of params",
           "        params[name] -= lr * g\n    return params", "        params[name] -= lr * g\n    return grads",
           expect="must return params (the updated dict)"),
]
MUTANTS += [
    Mutant("R10c normalize min-max scales each image by its own range",
           "return images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255)",
           "X = images.reshape(images.shape[0], -1).astype(np.float32)\n"
           "    lo, hi = X.min(axis=1, keepdims=True), X.max(axis=1, keepdims=True)\n    return (X - lo) / (hi - lo)",
           expect="min-max scaled by its OWN range"),
    Mutant("R10c normalize divides each image by its own max",
           "return images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255)",
           "X = images.reshape(images.shape[0], -1).astype(np.float32)\n    return X / X.max(axis=1, keepdims=True)",
           expect="divided by its OWN largest pixel"),
    Mutant("R10c confusion_matrix np.add.at with (y_true, y_true)",
           "np.add.at(cm, (y_true, y_pred), 1)", "np.add.at(cm, (y_true, y_true), 1)",
           expect="counted at (y_true, y_true)"),
    Mutant("R10c confusion_matrix np.add.at with (y_pred, y_pred)",
           "np.add.at(cm, (y_true, y_pred), 1)", "np.add.at(cm, (y_pred, y_pred), 1)",
           expect="counted at (y_pred, y_pred)"),
]
MUTANTS += [
    Mutant("R10c loss gradient with the one-hot of the argmax instead of the labels",
           "return (probs - one_hot(y, probs.shape[1])) / n",
           "return (probs - one_hot(probs.argmax(axis=1), probs.shape[1])) / n", expect="one-hot of the PREDICTED class"),
    Mutant("R10c accuracy is a top-2 accuracy",
           "return float(np.mean(scores.argmax(axis=1) == y))",
           "top2 = np.argsort(scores, axis=1)[:, -2:]\n    return float(np.mean((top2 == y[:, None]).any(axis=1)))",
           expect="TOP-2 accuracy"),
]
MUTANTS += [
    Mutant("R11 train_epoch calls backward(params, dlogits, cache) (arguments swapped)",
           "backward(params, cache, dlogits), lr))", "backward(params, dlogits, cache), lr))",
           expect="the last two arguments of backward are swapped"),
    Mutant("R11 train_epoch decays lr by 0.99 after every batch",
           "        params.update(sgd_update(params, backward(params, cache, dlogits), lr))\n",
           "        params.update(sgd_update(params, backward(params, cache, dlogits), lr))\n        lr *= 0.99\n",
           expect="learning rate shrinks from batch to batch"),
    Mutant("R11 train_epoch passes N // batch_size as the batch size",
           "    for xb, yb in iterate_minibatches(X, y, batch_size, rng):\n",
           "    for xb, yb in iterate_minibatches(X, y, X.shape[0] // batch_size, rng):\n",
           expect="counts the full batches: it is not a batch size"),
]
VARIANTS += [
    Variant("R11 precision_recall_f1 returns one stacked (3, C) array (unpacks like the documented triple)",
            "    return precision, recall, f1\n", "    return np.stack([precision, recall, f1])\n"),
]
MUTANTS += [
    Mutant("R11 iterate_minibatches returns the first batch (return for yield)",
           "        yield X[idx], y[idx]\n", "        return X[idx], y[idx]\n", expect="returned ONE pair (X_batch, y_batch)"),
]
MUTANTS += [
    Mutant("R11 fit computes the validation logits once, before the loop over the epochs",
           "    for epoch in bar:\n        epoch_lr = lr * lr_decay ** (epoch - 1)\n",
           "    val_logits, _ = forward(params, X_val)\n    for epoch in bar:\n        epoch_lr = lr * lr_decay ** (epoch - 1)\n",
           also=(("        val_logits, _ = forward(params, X_val)\n        rows.append", "        rows.append"),),
           expect="those of the INITIAL parameters in every epoch's row"),
]
MUTANTS += [
    Mutant("R11 cross_entropy true logit via np.take(logits, y) (a flat index: row 0 for every sample)",
           "    true_logit = logits[np.arange(logits.shape[0]), y]\n", "    true_logit = np.take(logits, y)\n",
           expect="taken from the FLATTENED logits"),
]
MUTANTS += [
    Mutant("R12 normalize inverts the pixels (1 - x / 255)",
           "return images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255)",
           "return np.float32(1) - images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255)",
           expect="the pixels inverted"),
    Mutant("R12 one_hot allocated with np.empty (garbage outside the 1s, different in every call)",
           "Y = np.zeros((y.shape[0], num_classes), dtype=np.float32)",
           "Y = np.empty((y.shape[0], num_classes), dtype=np.float32)", expect="the indexing is right"),
    Mutant("R12 forward caches (X, A1, A1) (typo: Z1 replaced by A1)",
           "return logits, (X, Z1, A1)", "return logits, (X, A1, A1)", expect="A1 was written in Z1's place"),
    Mutant("R12 iterate_minibatches yields X_b cast to float32",
           "yield X[idx], y[idx]", "yield X[idx].astype(np.float32), y[idx]", expect="the batches must be X's own rows"),
    Mutant("R12 train_epoch scales dlogits by the batch's share len(xb) / N",
           "dlogits = softmax_cross_entropy_backward(softmax(logits), yb)",
           "dlogits = softmax_cross_entropy_backward(softmax(logits), yb) * xb.shape[0] / X.shape[0]",
           expect="times the batch's share len(xb) / N"),
    Mutant("R12 fit passes batch_size and lr swapped to train_epoch",
           "train_epoch(params, X_tr, y_tr, epoch_lr, batch_size, rng)",
           "train_epoch(params, X_tr, y_tr, batch_size, epoch_lr, rng)", expect="with batch_size and lr swapped"),
    Mutant("R12 precision computed with out=tp (the recall then divides the precision)",
           "precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)",
           "precision = np.divide(tp, predicted, out=tp, where=predicted > 0)", expect="tp were overwritten by the precision"),
]
MUTANTS += [
    Mutant("R12 cross_entropy shifts by the column max (logits.max(axis=0)): rows depend on each other",
           "m = logits.max(axis=1, keepdims=True)", "m = logits.max(axis=0, keepdims=True)",
           expect="the maximum over axis 0 (one per column"),
]
MUTANTS += [
    # A policy, not a slip: the values are right, but 0/0 is computed and numpy warns in the student's output;
    # the errstate form (the warning silenced on purpose) is a correct variant.
    Mutant("R12 f1 via np.nan_to_num of 2pr/(p+r) without errstate (0/0 computed, numpy warns)",
           "f1 = np.divide(2 * precision * recall, both, out=np.zeros_like(tp), where=both > 0)",
           "f1 = np.nan_to_num(2 * precision * recall / both)", expect="np.nan_to_num(f1) or f1[np.isnan(f1)] = 0"),
]

# --- issue 15, round 13 held-out probes (measured on the unchanged checks first, then catalogued) ---
MUTANTS += [
    Mutant('R13 normalize forgets to flatten ((N, 28, 28) returned)',
           'return images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255)',
           'return images.astype(np.float32) / np.float32(255)',
           expect='flatten each image into one row'),
    Mutant('R13 normalize to float16',
           'return images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255)',
           'return images.reshape(images.shape[0], -1).astype(np.float16) / np.float16(255)',
           expect='must have dtype float32, got float16'),
    Mutant('R13 one_hot by comparison without a cast (bool)',
           '    Y = np.zeros((y.shape[0], num_classes), dtype=np.float32)\n    Y[np.arange(y.shape[0]), y] = 1.0\n    return Y',
           '    return y[:, None] == np.arange(num_classes)',
           expect='must have a floating-point dtype, got bool'),
    Mutant('R13 one_hot from np.identity(len(y)) (N x N)',
           '    Y = np.zeros((y.shape[0], num_classes), dtype=np.float32)\n    Y[np.arange(y.shape[0]), y] = 1.0\n    return Y',
           '    return np.identity(len(y), dtype=np.float32)[y]',
           expect='as many columns as there are SAMPLES'),
    Mutant('R13 softmax shifts by the row minimum',
           'np.exp(z - z.max(axis=1, keepdims=True))',
           'np.exp(z - z.min(axis=1, keepdims=True))',
           expect="subtract each row's MAXIMUM"),
    Mutant('R13 softmax as exp(z - naive logsumexp)',
           '    e = np.exp(z - z.max(axis=1, keepdims=True))\n    return e / e.sum(axis=1, keepdims=True)',
           '    return np.exp(z - np.log(np.exp(z).sum(axis=1, keepdims=True)))',
           expect="subtract each row's maximum before exp"),
    Mutant('R13 cross_entropy logits - max(axis=1) without keepdims',
           '    m = logits.max(axis=1, keepdims=True)\n    log_norm = m[:, 0] + np.log(np.exp(logits - m).sum(axis=1))',
           '    m = logits.max(axis=1)\n    log_norm = m + np.log(np.exp(logits - m).sum(axis=1))',
           expect='A per-sample value must be a column (N, 1)'),
    Mutant('R13 loss gradient w.r.t. the probabilities (-Y / p / N)',
           '    return (probs - one_hot(y, probs.shape[1])) / n',
           '    return -one_hot(y, probs.shape[1]) / probs / n',
           expect='this is dL/dprobs'),
    Mutant('R13 loss gradient through the diagonal of the softmax Jacobian p(1-p)',
           '    return (probs - one_hot(y, probs.shape[1])) / n',
           '    return probs * (1 - probs) * (probs - one_hot(y, probs.shape[1])) / n',
           expect='the softmax derivative is applied again'),
    Mutant('R13 init_params float64 weights (dtype forgotten)',
           '    W1 = rng.standard_normal((n_in, n_hidden), dtype=np.float32) * np.float32(np.sqrt(2.0 / n_in))\n    W2 = rng.standard_normal((n_hidden, n_out), dtype=np.float32) * np.float32(np.sqrt(1.0 / n_hidden))\n',
           '    W1 = rng.standard_normal((n_in, n_hidden)) * np.sqrt(2.0 / n_in)\n    W2 = rng.standard_normal((n_hidden, n_out)) * np.sqrt(1.0 / n_hidden)\n',
           expect='must have dtype float32, got float64'),
    Mutant('R13 init_params uniform in [-s, s] (std s / sqrt(3))',
           'rng.standard_normal((n_in, n_hidden), dtype=np.float32) * np.float32(np.sqrt(2.0 / n_in))',
           'rng.uniform(-1, 1, (n_in, n_hidden)).astype(np.float32) * np.float32(np.sqrt(2.0 / n_in))',
           expect='W1 has std'),
    Mutant('R13 init_params W2 with He std sqrt(2 / n_hidden)',
           'np.float32(np.sqrt(1.0 / n_hidden))',
           'np.float32(np.sqrt(2.0 / n_hidden))',
           expect='which is sqrt(2 / n_hidden)'),
    Mutant('R13 forward leaky ReLU 0.01',
           'A1 = np.maximum(Z1, 0)',
           'A1 = np.maximum(Z1, 0.01 * Z1)',
           expect='not ReLU(Z1) = np.maximum(Z1, 0)'),
    Mutant('R13 forward in column convention (cache Z1, A1 transposed)',
           '    Z1 = X @ params["W1"] + params["b1"]\n    A1 = np.maximum(Z1, 0)\n    logits = A1 @ params["W2"] + params["b2"]\n    return logits, (X, Z1, A1)',
           '    Z1 = params["W1"].T @ X.T + params["b1"].T\n    A1 = np.maximum(Z1, 0)\n    logits = params["W2"].T @ A1 + params["b2"].T\n    return logits.T, (X, Z1, A1)',
           expect='it holds the right values transposed'),
    Mutant('R13 backward returns CS231n keys dW1, db1, ...',
           'return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}',
           'return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}',
           expect='must return a dict with the keys'),
    Mutant('R13 backward also takes an SGD step (params changed)',
           '    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}',
           '    params["W1"] -= 0.1 * dW1\n    params["W2"] -= 0.1 * dW2\n    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}',
           expect="modified params['W1'] in place"),
    Mutant('R13 sgd_update subtracts lr * params[name] (param for grad)',
           'params[name] -= lr * g',
           'params[name] -= lr * params[name]',
           expect='your step changes when only params change'),
    Mutant('R13 accuracy cast to int',
           'return float(np.mean(scores.argmax(axis=1) == y))',
           'return int(np.mean(scores.argmax(axis=1) == y))',
           expect='rounded down to a whole number'),
    Mutant('R13 iterate_minibatches pads the last batch by wrapping around',
           '    order = rng.permutation(X.shape[0])\n    for start',
           '    order = rng.permutation(X.shape[0])\n    order = np.resize(order, -(-len(order) // batch_size) * batch_size)\n    for start',
           expect='it was filled up to batch_size'),
    Mutant('R13 train_epoch returns the count of correct predictions',
           'return total_loss / X.shape[0], total_correct / X.shape[0]',
           'return total_loss / X.shape[0], total_correct',
           expect='return a fraction of correct predictions'),
    Mutant('R13 train_epoch weights the batch loss by xb.shape[1]',
           'total_loss += cross_entropy(logits, yb) * xb.shape[0]',
           'total_loss += cross_entropy(logits, yb) * xb.shape[1]',
           expect='the number of FEATURES'),
    Mutant('R13 fit seeds a new generator per epoch (seed + epoch)',
           'train_epoch(params, X_tr, y_tr, epoch_lr, batch_size, rng)',
           'train_epoch(params, X_tr, y_tr, epoch_lr, batch_size, np.random.default_rng(seed + epoch))',
           expect='shuffle with the generator made from seed'),
    Mutant('R13 fit builds the DataFrame from tuples with columns in the wrong order',
           '        rows.append({"epoch": epoch, "train_loss": train_loss, "train_acc": train_acc,\n                     "val_loss": cross_entropy(val_logits, y_val),\n                     "val_acc": accuracy(val_logits, y_val)})\n        bar.set_postfix(loss=f"{train_loss:.3f}", acc=f"{train_acc:.3f}",\n                        val_acc=f"{rows[-1][\'val_acc\']:.3f}")\n    return pd.DataFrame(rows).set_index("epoch")',
           '        rows.append((epoch, train_loss, cross_entropy(val_logits, y_val), train_acc,\n                     accuracy(val_logits, y_val)))\n    return pd.DataFrame(rows, columns=["epoch", "train_loss", "train_acc", "val_loss", "val_acc"]).set_index("epoch")',
           expect='the columns are mislabelled'),
    Mutant('R13 confusion_matrix via pd.crosstab (absent classes missing)',
           '    cm = np.zeros((num_classes, num_classes), dtype=np.int64)\n    np.add.at(cm, (y_true, y_pred), 1)     # unlike cm[...] += 1, counts repeated pairs\n    return cm',
           '    return pd.crosstab(y_true, y_pred).values',
           expect='it must be (num_classes, num_classes)'),
    Mutant('R13 precision guarded with where=actual > 0 (wrong denominator)',
           'precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)',
           'precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=actual > 0)',
           expect="the 0/0 is the precision's"),
    Mutant('R13 f1 divides by np.maximum(p + r, 1)',
           'f1 = np.divide(2 * precision * recall, both, out=np.zeros_like(tp), where=both > 0)',
           'f1 = 2 * precision * recall / np.maximum(both, 1)',
           expect='instead of P + R'),
]
VARIANTS += [
    Variant('R13 cross_entropy logsumexp kept as a column (N,1) - (N,) broadcast',
            '    log_norm = m[:, 0] + np.log(np.exp(logits - m).sum(axis=1))',
           '    log_norm = m + np.log(np.exp(logits - m).sum(axis=1, keepdims=True))'),
    Variant('R13 softmax by a loop over rows',
            '    e = np.exp(z - z.max(axis=1, keepdims=True))\n    return e / e.sum(axis=1, keepdims=True)',
            '    out = np.empty_like(z, dtype=np.result_type(z, np.float32))\n    for i, row in enumerate(z):\n        e = np.exp(row - row.max())\n        out[i] = e / e.sum()\n    return out'),
    Variant('R13 cross_entropy true logit via einsum with one_hot',
            '    true_logit = logits[np.arange(logits.shape[0]), y]\n',
            "    true_logit = np.einsum('nc,nc->n', logits, one_hot(y, logits.shape[1]))\n"),
    Variant('R13 normalize divides then casts then reshapes',
            'return images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255)',
            'return (images / 255.0).astype(np.float32).reshape(len(images), -1)'),
    Variant('R13 confusion_matrix by a double loop of counts',
            '    np.add.at(cm, (y_true, y_pred), 1)     # unlike cm[...] += 1, counts repeated pairs\n',
            '    for i in range(num_classes):\n        for j in range(num_classes):\n            cm[i, j] = np.sum((y_true == i) & (y_pred == j))\n'),
    Variant('R13 backward dW1 as (dZ1.T @ X).T',
            'dW1 = X.T @ dZ1 ',
            'dW1 = (dZ1.T @ X).T '),
    Variant('R13 sgd_update writes through params[k][...]',
            'params[name] -= lr * g',
            'params[name][...] = params[name] - lr * g'),
    Variant('R13 fit precomputes the lr schedule with lr_decay ** np.arange(epochs)',
            '        epoch_lr = lr * lr_decay ** (epoch - 1)\n',
            '        epoch_lr = float((lr * lr_decay ** np.arange(epochs))[epoch - 1])\n'),
    Variant('R13 iterate_minibatches via np.array_split at multiples of B',
            '    for start in range(0, X.shape[0], batch_size):\n        idx = order[start:start + batch_size]\n        yield X[idx], y[idx]',
            '    for idx in np.array_split(order, np.arange(batch_size, len(order), batch_size)):\n        yield X[idx], y[idx]'),
    Variant('R13 precision with np.where on a safe denominator',
            'precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)',
            'precision = np.where(predicted > 0, tp / np.where(predicted > 0, predicted, 1), 0.0)'),
]

# --- issue 15, round 13 second fresh set (measured after the round-13 fixes, then catalogued) ---
MUTANTS += [
    Mutant('R13b softmax via scipy.special.softmax without axis',
           '    e = np.exp(z - z.max(axis=1, keepdims=True))\n    return e / e.sum(axis=1, keepdims=True)',
           '    import scipy.special\n    return scipy.special.softmax(z)',
           expect='divided by the sum over the whole batch'),
    Mutant('R13b cross_entropy as binary cross-entropy on the one-hot',
           '    return float(np.mean(log_norm - true_logit))',
           '    p = softmax(logits)\n    Y = one_hot(y, logits.shape[1])\n    return float(-np.mean(np.sum(Y * np.log(p) + (1 - Y) * np.log(1 - p), axis=1)))',
           expect='`(1 - Y) * np.log(1 - p)` should not be there'),
    Mutant('R13b init_params b1 of shape (n_hidden, 1)',
           '"b1": np.zeros((1, n_hidden), dtype=np.float32)',
           '"b1": np.zeros((n_hidden, 1), dtype=np.float32)',
           expect='expected shape (1, 256), got (256, 1)'),
    Mutant('R13b forward adds b1.T (right only when N == n_hidden)',
           'Z1 = X @ params["W1"] + params["b1"]',
           'Z1 = X @ params["W1"] + params["b1"].T',
           expect='check each transpose'),
    Mutant('R13b backward bias gradients swapped in the dict',
           'return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}',
           'return {"W1": dW1, "b1": db2, "W2": dW2, "b2": db1}',
           expect="grads['b1'] holds the gradient of b2"),
    Mutant('R13b accuracy rounded to 2 decimals',
           'return float(np.mean(scores.argmax(axis=1) == y))',
           'return round(float(np.mean(scores.argmax(axis=1) == y)), 2)',
           expect='rounded (or truncated) to 2 decimals'),
    Mutant('R13b train_epoch accuracy weighted by the nominal batch_size',
           'total_correct += accuracy(logits, yb) * xb.shape[0]',
           'total_correct += accuracy(logits, yb) * batch_size',
           expect='each batch accuracy is weighted by batch_size'),
    Mutant('R13b precision as tp / (predicted - tp) (false positives)',
           'precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)',
           'fp = predicted - tp\n    precision = np.divide(tp, fp, out=np.zeros_like(tp), where=fp > 0)',
           expect='by the FALSE POSITIVES'),
]
VARIANTS += [
    Variant('R13b normalize divides the uint8 rows by np.float32(255) (no astype)',
            'return images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255)',
            'return images.reshape(images.shape[0], -1) / np.float32(255)'),
    Variant('R13b f1 as 2tp / (2tp + fp + fn)',
            '    both = precision + recall\n    f1 = np.divide(2 * precision * recall, both, out=np.zeros_like(tp), where=both > 0)',
            '    denom = 2 * tp + (predicted - tp) + (actual - tp)\n    f1 = np.divide(2 * tp, denom, out=np.zeros_like(tp), where=denom > 0)'),
    Variant('R13b backward db1 as a ones-row product',
            'db1 = dZ1.sum(axis=0, keepdims=True)',
            'db1 = np.ones((1, dZ1.shape[0])) @ dZ1'),
]

# --- issue 15, round 13 independent measurement (m13a), fixed and catalogued ---
MUTANTS += [
    Mutant('M13 one_hot np.eye(C)[y.reshape(-1, 1)] (shape (N, 1, C))',
           '    Y = np.zeros((y.shape[0], num_classes), dtype=np.float32)\n    Y[np.arange(y.shape[0]), y] = 1.0\n    return Y',
           '    return np.eye(num_classes, dtype=np.float32)[y.reshape(-1, 1)]',
           expect='the right rows with an extra axis of length 1'),
    Mutant('M13 softmax shifted by the row maximum of |z|',
           'np.exp(z - z.max(axis=1, keepdims=True))', 'np.exp(z - np.abs(z).max(axis=1, keepdims=True))',
           expect='Even ONE row near -1000 given alone fails'),
    Mutant('M13 cross_entropy np.log(np.exp(z - m)).sum(axis=1) (parenthesis misplaced)',
           'np.log(np.exp(logits - m).sum(axis=1))', 'np.log(np.exp(logits - m)).sum(axis=1)',
           expect='the log is taken before the row sum'),
    Mutant('M13 loss gradient one_hot(y, y.max() + 1)',
           'return (probs - one_hot(y, probs.shape[1])) / n', 'return (probs - one_hot(y, y.max() + 1)) / n',
           expect='is y.max() + 1, the largest label of THIS batch plus 1'),
    Mutant('M13 forward casts X to float32 first',
           '    Z1 = X @ params["W1"] + params["b1"]\n',
           '    X = X.astype(np.float32)\n    Z1 = X @ params["W1"] + params["b1"]\n',
           expect='item X has dtype float32, but X and the params are float64'),
    Mutant('M13 iterate_minibatches rng.permutation(y)',
           'order = rng.permutation(X.shape[0])', 'order = rng.permutation(y)',
           expect='Your order depends on the VALUES of y'),
    Mutant('M13 train_epoch lr scaled by len(xb) / batch_size',
           'params.update(sgd_update(params, backward(params, cache, dlogits), lr))',
           'params.update(sgd_update(params, backward(params, cache, dlogits), lr * xb.shape[0] / batch_size))',
           expect='the learning rate of the last, smaller batch is scaled'),
    Mutant('M13 train_epoch accuracy of the cached hidden activations cache[2]',
           'total_correct += accuracy(logits, yb) * xb.shape[0]',
           'total_correct += accuracy(cache[2], yb) * xb.shape[0]',
           expect='the accuracy is measured on the hidden layer'),
    Mutant('M13 fit range(1, epochs) (one epoch short)',
           'range(1, epochs + 1)', 'range(1, epochs)',
           expect='the loop stops one short'),
]

# --- issue 15, round 13e second fresh set (measured after the m13a fixes, then catalogued) ---
MUTANTS += [
    Mutant('R13e sgd_update pairs params and grads by position (zip)',
           'for name, g in grads.items():', 'for name, g in zip(params, grads.values()):',
           expect='it pairs them by position'),
    Mutant('R13e precision_recall_f1 tp from cm.diagonal() (integer output buffer)',
           'tp = np.diag(cm).astype(np.float64)', 'tp = cm.diagonal()',
           expect='writes a float result into an array of integers'),
    Mutant('R13e fit decays lr before the first epoch (lr *= lr_decay)',
           '        epoch_lr = lr * lr_decay ** (epoch - 1)\n', '        lr *= lr_decay\n        epoch_lr = lr\n',
           expect='the first epoch must use lr itself'),
]
VARIANTS += [
    # the mean of the (N, N) outer difference log_norm[:, None] - true_logit[None, :] equals the mean of
    # the differences: the same float, only wasteful (N**2 entries)
    Variant('R13e cross_entropy logsumexp kept as a column (keepdims=True): same mean',
            'np.log(np.exp(logits - m).sum(axis=1))', 'np.log(np.exp(logits - m).sum(axis=1, keepdims=True))'),
    Variant('R13e batches with sorted indices', 'idx = order[start:start + batch_size]',
            'idx = np.sort(order[start:start + batch_size])'),
    Variant('R13e forward ReLU via clip', 'A1 = np.maximum(Z1, 0)', 'A1 = Z1.clip(min=0)'),
]

# --- issue 15, round 14 held-out set (helper a), catalogued after the fixes (helper e) ---
MUTANTS += [
    Mutant('R14e y1 normalize returns the transposed matrix (pixels x images)', 'return images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255)', 'return (images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255)).T', expect='one ROW per image'),
    Mutant('R14e y2 one_hot with -1 off the label (+-1 coding, SVM habit)', '    Y = np.zeros((y.shape[0], num_classes), dtype=np.float32)\n', '    Y = -np.ones((y.shape[0], num_classes), dtype=np.float32)\n', expect='all the other entries are -1'),
    Mutant('R14e y3 one_hot with num_classes + 1 columns', '    Y = np.zeros((y.shape[0], num_classes), dtype=np.float32)\n', '    Y = np.zeros((y.shape[0], num_classes + 1), dtype=np.float32)\n', expect='num_classes + 1'),
    Mutant('R14e y4 softmax in column convention (returns (C, N))', '    e = np.exp(z - z.max(axis=1, keepdims=True))\n    return e / e.sum(axis=1, keepdims=True)', '    e = np.exp(z.T - z.T.max(axis=0))\n    return e / e.sum(axis=0)', expect='transpose of the expected shape'),
    Mutant('R14e y5 cross_entropy forgets the normaliser (mean of -z_y)', 'return float(np.mean(log_norm - true_logit))', 'return float(np.mean(-true_logit))', expect='the normaliser is missing'),
    Mutant('R14e y6 cross_entropy logsumexp approximated by the row max (log term dropped)', '    log_norm = m[:, 0] + np.log(np.exp(logits - m).sum(axis=1))\n', '    log_norm = m[:, 0]\n', expect='replaced by the row maximum'),
    Mutant('R14e y7 loss gradient (probs - 1) / n (1 subtracted everywhere)', 'return (probs - one_hot(y, probs.shape[1])) / n', 'return (probs - 1) / n', expect='each row of dlogits must sum to 0'),
    Mutant('R14e y8 init_params He std np.sqrt(2.0) / n_in (parenthesis slip)', 'np.float32(np.sqrt(2.0 / n_in))', 'np.float32(np.sqrt(2.0) / n_in)', expect='too small for fan-in'),
    Mutant('R14e y9 forward uses a sigmoid hidden layer (backward still ReLU)', 'A1 = np.maximum(Z1, 0)', 'A1 = 1.0 / (1.0 + np.exp(-Z1))', expect='not ReLU(Z1)'),
    Mutant('R14e y10 backward returns only the weight gradients (no b1, b2 keys)', 'return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}', 'return {"W1": dW1, "W2": dW2}', expect='must return a dict with the keys'),
    Mutant('R14e y11 sgd_update divides each gradient by len(g) (its number of rows)', 'params[name] -= lr * g', 'params[name] -= lr * g / len(g)', expect='a missing or extra factor in the update'),
    Mutant('R14e y12 accuracy compares with y.argmax(axis=-1) (one-hot habit)', 'return float(np.mean(scores.argmax(axis=1) == y))', 'return float(np.mean(scores.argmax(axis=1) == y.argmax(axis=-1)))', expect='y.argmax() makes ONE number'),
    Mutant('R14e y13 iterate_minibatches merges the last partial batch into the previous one', '    for start in range(0, X.shape[0], batch_size):\n        idx = order[start:start + batch_size]\n        yield', '    n_batches = max(X.shape[0] // batch_size, 1)\n    for b in range(n_batches):\n        idx = order[b * batch_size:] if b == n_batches - 1 else order[b * batch_size:(b + 1) * batch_size]\n        yield', expect='the last one smaller and kept'),
    Mutant('R14e y14 train_epoch updates with sgd_update and again by hand (two steps per batch)', '        params.update(sgd_update(params, backward(params, cache, dlogits), lr))\n', '        grads = backward(params, cache, dlogits)\n        sgd_update(params, grads, lr)\n        for k in params:\n            params[k] -= lr * grads[k]\n', expect='gradient is applied twice'),
    Mutant('R14e y15 fit stops early when the validation loss rises', '        bar.set_postfix(', '        if len(rows) > 1 and rows[-1]["val_loss"] > rows[-2]["val_loss"]:\n            break\n        bar.set_postfix(', expect='no early stopping'),
    Mutant('R14e y16 fit returns the list of row dicts (no DataFrame)', '    return pd.DataFrame(rows).set_index("epoch")', '    return rows', expect='must return a pandas DataFrame'),
    Mutant('R14e y17 confusion_matrix loops over range(num_classes) instead of the samples', '    np.add.at(cm, (y_true, y_pred), 1)     # unlike cm[...] += 1, counts repeated pairs\n', '    for i in range(num_classes):\n        cm[y_true[i], y_pred[i]] += 1\n', expect='range(num_classes)'),
    Mutant('R14e y18 f1 as the geometric mean sqrt(p r)', '    f1 = np.divide(2 * precision * recall, both, out=np.zeros_like(tp), where=both > 0)\n', '    f1 = np.sqrt(precision * recall)\n', expect='GEOMETRIC mean'),
    Mutant("R14e y19 'f1' computed as IoU tp / (predicted + actual - tp)", '    f1 = np.divide(2 * precision * recall, both, out=np.zeros_like(tp), where=both > 0)\n', '    union = predicted + actual - tp\n    f1 = np.divide(tp, union, out=np.zeros_like(tp), where=union > 0)\n', expect='IoU (Jaccard index)'),
]
VARIANTS += [
    Variant('R14e y-v1 cross_entropy true logit through a boolean one-hot mask', '    true_logit = logits[np.arange(logits.shape[0]), y]\n', '    true_logit = logits[one_hot(y, logits.shape[1]).astype(bool)]\n'),
    Variant('R14e y-v2 loss gradient with a boolean comparison for the one-hot', 'return (probs - one_hot(y, probs.shape[1])) / n', 'return (probs - (np.arange(probs.shape[1]) == y[:, None])) / n'),
    Variant('R14e y-v3 confusion_matrix via np.unique of the (true, pred) pairs', '    np.add.at(cm, (y_true, y_pred), 1)     # unlike cm[...] += 1, counts repeated pairs\n', '    if len(y_true):\n        pairs, counts = np.unique(np.stack([y_true, y_pred]), axis=1, return_counts=True)\n        cm[pairs[0], pairs[1]] = counts\n'),
    Variant("R14e y-v4 fit history via pd.DataFrame.from_records(rows, index='epoch')", '    return pd.DataFrame(rows).set_index("epoch")', '    return pd.DataFrame.from_records(rows, index="epoch")'),
    Variant('R14e y-v5 iterate_minibatches with yield from a generator expression', '    for start in range(0, X.shape[0], batch_size):\n        idx = order[start:start + batch_size]\n        yield X[idx], y[idx]', '    yield from ((X[order[s:s + batch_size]], y[order[s:s + batch_size]])\n                for s in range(0, X.shape[0], batch_size))'),
]
# the same classes of mistake elsewhere in the lab (helper e)
MUTANTS += [
    Mutant('R14e one_hot with zeros of 0.5 (label smoothing by hand)',
           '    Y = np.zeros((y.shape[0], num_classes), dtype=np.float32)\n',
           '    Y = np.full((y.shape[0], num_classes), 0.5, dtype=np.float32)\n', expect='all the other entries are 0.5'),
    Mutant('R14e train_epoch calls sgd_update twice per batch',
           '        params.update(sgd_update(params, backward(params, cache, dlogits), lr))\n',
           '        grads = backward(params, cache, dlogits)\n        sgd_update(params, grads, lr)\n        sgd_update(params, grads, lr)\n',
           expect='gradient is applied twice'),
    Mutant('R14e fit stops after the first epoch whose train loss is below 2 (a target loss)',
           '        bar.set_postfix(',
           '        if train_loss < 2.0:\n            break\n        bar.set_postfix(',
           expect='no early stopping'),
    Mutant('R14e confusion_matrix loops over the first len(np.unique(y_true)) samples',
           '    np.add.at(cm, (y_true, y_pred), 1)     # unlike cm[...] += 1, counts repeated pairs\n',
           '    for i in range(len(np.unique(y_true))):\n        cm[y_true[i], y_pred[i]] += 1\n',
           expect='counts only the first'),
]
MUTANTS += [
    Mutant('R14e softmax is the elementwise sigmoid',
           '    e = np.exp(z - z.max(axis=1, keepdims=True))\n    return e / e.sum(axis=1, keepdims=True)',
           '    return 1.0 / (1.0 + np.exp(-z))', expect='elementwise sigmoid'),
    Mutant('R14e softmax normalises squared shifted logits (no exp)',
           '    e = np.exp(z - z.max(axis=1, keepdims=True))\n', '    e = (z - z.max(axis=1, keepdims=True)) ** 2\n',
           expect='softmax keeps the order of each row'),
    Mutant('R14e train_epoch adds the batch accuracies unweighted, divides by N',
           '        total_correct += accuracy(logits, yb) * xb.shape[0]\n', '        total_correct += accuracy(logits, yb)\n',
           expect='batch accuracies are added without their batch sizes'),
    Mutant('R14e train_epoch adds the batch losses unweighted, divides by N',
           '        total_loss += cross_entropy(logits, yb) * xb.shape[0]\n', '        total_loss += cross_entropy(logits, yb)\n',
           expect='batch losses are added without their batch sizes'),
    Mutant('R14e backward db1 summed over axis 1, laid out as a row',
           '    db1 = dZ1.sum(axis=0, keepdims=True)', '    db1 = dZ1.sum(axis=1)[None, :]', expect='one value per SAMPLE'),
    Mutant('R14e backward db2 summed over axis 1 (per sample)',
           '    db2 = dlogits.sum(axis=0, keepdims=True)', '    db2 = dlogits.sum(axis=1)', expect='one value per SAMPLE'),
]
MUTANTS += [
    Mutant('R14e backward dW2 via np.outer(A1, dlogits)', '    dW2 = A1.T @ dlogits', '    dW2 = np.outer(A1, dlogits)',
           expect='np.outer FLATTENS'),
    Mutant('R14e backward dW1 via np.outer(X, dZ1)', '    dW1 = X.T @ dZ1', '    dW1 = np.outer(X, dZ1)', expect='np.outer FLATTENS'),
    Mutant('R14e iterate_minibatches via order.reshape(-1, batch_size)',
           '    for start in range(0, X.shape[0], batch_size):\n        idx = order[start:start + batch_size]\n',
           '    for idx in order.reshape(-1, batch_size):\n', expect='reshaped into rows of batch_size'),
    Mutant('R14e iterate_minibatches via np.split(order, N // batch_size)',
           '    for start in range(0, X.shape[0], batch_size):\n        idx = order[start:start + batch_size]\n',
           '    for idx in np.split(order, max(X.shape[0] // batch_size, 1)):\n', expect='cut into equal parts (np.split)'),
    Mutant('R14e iterate_minibatches via np.array_split(order, N // batch_size)',
           '    for start in range(0, X.shape[0], batch_size):\n        idx = order[start:start + batch_size]\n',
           '    for idx in np.array_split(order, max(X.shape[0] // batch_size, 1)):\n', expect='pieces of near-equal size'),
]
MUTANTS += [
    Mutant('R14e precision with a + 1 in the denominator (smoothing)',
           '    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)',
           '    precision = tp / (predicted + 1)', expect='+ 1 at every class'),
]
VARIANTS += [
    Variant('R14e recall with a tiny + 1e-12 guard in the denominator (0 where the row is empty, exact elsewhere)',
            '    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)',
            '    recall = tp / (actual + 1e-12)'),
]

# --- issue 15, round 14 (m14i held-out probes, now catalogued: no longer held out) ---------------------------
MUTANTS += [
    Mutant("R14m sgd_update over hard-coded names W1, b1, W2, b2",
           "    for name, g in grads.items():\n        params[name] -= lr * g\n    return params",
           '    for name in ["W1", "b1", "W2", "b2"]:\n        params[name] -= lr * grads[name]\n    return params',
           expect="not over a fixed list of names"),
    Mutant("R14m sgd_update over a hard-coded W1, W2 loop with f-string bias names",
           "    for name, g in grads.items():\n        params[name] -= lr * g\n    return params",
           '    for k in (1, 2):\n        params[f"W{k}"] -= lr * grads[f"W{k}"]\n        params[f"b{k}"] -= lr * grads[f"b{k}"]\n    return params',
           expect="not over a fixed list of names"),
    Mutant("R14m fit passes the (logits, cache) tuple to accuracy",
           '"val_acc": accuracy(val_logits, y_val)})',
           '"val_acc": accuracy(forward(params, X_val), y_val)})',
           expect="the whole tuple that forward returns"),
    Mutant("R14m fit passes the (logits, cache) tuple to cross_entropy",
           '"val_loss": cross_entropy(val_logits, y_val),',
           '"val_loss": cross_entropy(forward(params, X_val), y_val),',
           expect="the whole tuple that forward returns"),
    Mutant("R14m micro-averaged precision and recall (tp.sum() / cm.sum() for every class)",
           "    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)\n    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)",
           "    precision = np.full_like(tp, tp.sum() / max(predicted.sum(), 1))\n    recall = np.full_like(tp, tp.sum() / max(actual.sum(), 1))",
           expect="MICRO average"),
    Mutant("R14m macro-averaged recall broadcast to every class",
           "    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)",
           "    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)\n    recall = np.full_like(tp, recall.mean())",
           expect="MACRO average"),
]
VARIANTS += [
    Variant("R14m sgd_update over the keys of params",
            "    for name, g in grads.items():\n        params[name] -= lr * g\n    return params",
            "    for name in params:\n        params[name] -= lr * grads[name]\n    return params"),
    Variant("R14m fit indexes forward's tuple with [0]",
            "        val_logits, _ = forward(params, X_val)",
            "        val_logits = forward(params, X_val)[0]"),
]
MUTANTS += [
    Mutant("R14m iterate_minibatches squeezes the batches (batch of 1 / d == 1 lose a dimension)",
           "        yield X[idx], y[idx]", "        yield X[idx].squeeze(), y[idx].squeeze()",
           expect="a dimension of size 1 was dropped"),
]
MUTANTS += [
    Mutant("R14m cross_entropy returns np.float32",
           "return float(np.mean(log_norm - true_logit))", "return np.float32(np.mean(log_norm - true_logit))",
           expect="not a Python float"),
]
MUTANTS += [
    Mutant("R14m backward ReLU mask averaged over the batch",
           "dZ1 = dA1 * (Z1 > 0)", "dZ1 = dA1 * (Z1 > 0).mean(axis=0)", expect="averaged over the batch"),
]
# --- issue 15, round 15: the held-out measurement's mistakes (helper a), each named by a general question ---
MUTANTS += [
    Mutant("R15 cross_entropy as -log of the batch-mean true-class probability (log and mean swapped)",
           "    return float(np.mean(log_norm - true_logit))\n",
           "    return float(-np.log(np.mean(np.exp(true_logit - log_norm))))\n",
           expect="the log and the mean are swapped"),
    Mutant("R15 cross_entropy picks the true logit through one_hot(y) (default 10 classes)",
           "    true_logit = logits[np.arange(logits.shape[0]), y]\n",
           "    true_logit = (logits * one_hot(y)).sum(axis=1)\n",
           expect="one_hot(y) without num_classes"),
    Mutant("R15 forward divides X by 255 again (input assumed raw)",
           '    Z1 = X @ params["W1"] + params["b1"]\n',
           '    X = X / 255.0\n    Z1 = X @ params["W1"] + params["b1"]\n',
           expect="X was divided by 255 inside forward"),
    Mutant("R15 forward scales X by its maximum",
           '    Z1 = X @ params["W1"] + params["b1"]\n',
           '    X = X / X.max()\n    Z1 = X @ params["W1"] + params["b1"]\n',
           expect="forward changed its input before using it"),
    Mutant("R15 backward uses the sigmoid derivative A1 * (1 - A1) for the ReLU layer",
           "dZ1 = dA1 * (Z1 > 0)", "dZ1 = dA1 * A1 * (1 - A1)", expect="the SIGMOID's"),
    Mutant("R15 backward uses the tanh derivative 1 - A1**2 for the ReLU layer",
           "dZ1 = dA1 * (Z1 > 0)", "dZ1 = dA1 * (1 - A1 ** 2)", expect="the TANH's"),
    Mutant("R15 train_epoch calls iterate_minibatches(X, y, rng, batch_size) (arguments swapped)",
           "for xb, yb in iterate_minibatches(X, y, batch_size, rng):",
           "for xb, yb in iterate_minibatches(X, y, rng, batch_size):",
           expect="called with batch_size and rng swapped"),
    Mutant("R15 fit restores the best-validation parameters at the end",
           '        bar.set_postfix(loss=f"{train_loss:.3f}", acc=f"{train_acc:.3f}",\n',
           '        if rows[-1]["val_loss"] <= min(r["val_loss"] for r in rows):\n'
           '            best = {k: v.copy() for k, v in params.items()}\n'
           '        bar.set_postfix(loss=f"{train_loss:.3f}", acc=f"{train_acc:.3f}",\n',
           also=[('    return pd.DataFrame(rows).set_index("epoch")\n',
                  '    params.update(best)\n    return pd.DataFrame(rows).set_index("epoch")\n')],
           expect="not after the last epoch"),
    Mutant("R15 train_epoch sums every batch's gradients and updates once at the end",
           "        params.update(sgd_update(params, backward(params, cache, dlogits), lr))\n",
           "        g = backward(params, cache, dlogits)\n"
           "        acc_g = g if acc_g is None else {k: acc_g[k] + g[k] for k in g}\n"
           "    params.update(sgd_update(params, acc_g, lr))\n",
           also=[("    total_loss, total_correct = 0.0, 0.0\n", "    total_loss, total_correct = 0.0, 0.0\n    acc_g = None\n")],
           expect="took ONE update per epoch"),
    Mutant("R15 accuracy through one_hot(y).argmax (one_hot's default 10 classes)",
           "return float(np.mean(scores.argmax(axis=1) == y))",
           "return float(np.mean(scores.argmax(axis=1) == one_hot(y).argmax(axis=1)))",
           expect="accuracy calls one_hot without num_classes"),
    Mutant("R15 precision_recall_f1 on the row-normalised confusion matrix",
           "    tp = np.diag(cm).astype(np.float64)\n",
           "    cm = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)\n    tp = np.diag(cm).astype(np.float64)\n",
           expect="the precision was computed on the confusion matrix normalised per row"),
    Mutant("R15 precision_recall_f1 on the column-normalised confusion matrix",
           "    tp = np.diag(cm).astype(np.float64)\n",
           "    cm = cm / np.maximum(cm.sum(axis=0, keepdims=True), 1)\n    tp = np.diag(cm).astype(np.float64)\n",
           expect="the recall was computed on the confusion matrix normalised per column"),
]
VARIANTS += [
    Variant("R15 precision_recall_f1 on the globally normalised matrix cm / cm.sum()",
            "    tp = np.diag(cm).astype(np.float64)\n    predicted, actual = cm.sum(axis=0), cm.sum(axis=1)\n",
            "    f = cm / max(cm.sum(), 1)\n    tp = np.diag(f).astype(np.float64)\n    predicted, actual = f.sum(axis=0), f.sum(axis=1)\n"),
    Variant("R15 accuracy through one_hot with the scores' class count",
            "return float(np.mean(scores.argmax(axis=1) == y))",
            "return float(np.mean(scores.argmax(axis=1) == one_hot(y, scores.shape[1]).argmax(axis=1)))"),
    Variant("R15 train_epoch rebinds params = sgd_update(...)",
            "        params.update(sgd_update(params, backward(params, cache, dlogits), lr))\n",
            "        params = sgd_update(params, backward(params, cache, dlogits), lr)\n"),
]
MUTANTS += [
    Mutant("R15 sgd_update divides the gradient by lr",
           "        params[name] -= lr * g\n", "        params[name] -= g / lr\n", expect="DIVIDED by the learning rate"),
]

# --- issue 15, round 15b: the held-out measurement's (helper i) mistakes, fixed ---
MUTANTS += [
    Mutant("R15b loss gradient: the 1/N applied only to the true-class entries (d[rows, y] = (p - 1) / N)",
           "    n = probs.shape[0]\n    return (probs - one_hot(y, probs.shape[1])) / n\n",
           "    n = probs.shape[0]\n    d = probs.copy()\n    d[np.arange(n), y] = (d[np.arange(n), y] - 1) / n\n    return d\n",
           expect="the 1/N is applied only at the label entries"),
    Mutant("R15b forward standardises Z1 over the batch before the ReLU (batch-norm habit)",
           "    Z1 = X @ params[\"W1\"] + params[\"b1\"]\n",
           "    Z1 = X @ params[\"W1\"] + params[\"b1\"]\n    Z1 = (Z1 - Z1.mean(axis=0)) / (Z1.std(axis=0) + 1e-5)\n",
           expect="your forward mixes samples of the batch"),
    Mutant("R15b backward ReLU mask from the first sample (Z1[0] > 0) for every row",
           "    dZ1 = dA1 * (Z1 > 0)               # ReLU'(z) = 1 where z > 0, 0 elsewhere\n",
           "    dZ1 = dA1 * (Z1[0] > 0)\n",
           expect="your backward mixes samples of the batch"),
    Mutant("R15b sgd_update clips each gradient to norm 5 (RNN habit)",
           "    for name, g in grads.items():\n        params[name] -= lr * g\n",
           "    for name, g in grads.items():\n        norm = np.linalg.norm(g)\n"
           "        if norm > 5.0:\n            g = g * (5.0 / norm)\n        params[name] -= lr * g\n",
           expect="clips (or normalises) the gradient's norm"),
    Mutant("R15b accuracy as the entry-wise match of a one-hot prediction (Keras binary_accuracy)",
           "    return float(np.mean(scores.argmax(axis=1) == y))\n",
           "    pred = (scores == scores.max(axis=1, keepdims=True)).astype(np.float32)\n"
           "    return float(np.mean(pred == one_hot(y, scores.shape[1])))\n",
           expect="matching ENTRIES of the one-hot prediction"),
    Mutant("R15b iterate_minibatches yields the labels as float32 (to match X)",
           "        yield X[idx], y[idx]\n", "        yield X[idx], y[idx].astype(np.float32)\n",
           expect="y_batch is float32 while y holds int64 integer labels"),
    Mutant("R15b float32 labels from iterate_minibatches AND unweighted batch losses in train_epoch (the loop is "
           "judged with the reference iterate_minibatches)",
           "        yield X[idx], y[idx]\n", "        yield X[idx], y[idx].astype(np.float32)\n",
           also=[("        total_loss += cross_entropy(logits, yb) * xb.shape[0]\n",
                  "        total_loss += cross_entropy(logits, yb)\n")],
           expect="judged with the reference iterate_minibatches in place of yours"),
    Mutant("R15b train_epoch rebinds params to a new dict (comprehension): the caller's params never change",
           "        params.update(sgd_update(params, backward(params, cache, dlogits), lr))\n",
           "        grads = backward(params, cache, dlogits)\n"
           "        params = {k: v - lr * grads[k] for k, v in params.items()}\n",
           expect="a new dict bound to the name params"),
    Mutant("R15b fit shuffles X_val with the training generator (val pairs broken, shuffling draws consumed)",
           "        val_logits, _ = forward(params, X_val)\n",
           "        val_logits, _ = forward(params, X_val[rng.permutation(len(X_val))])\n",
           expect="fit draws from the training generator outside train_epoch"),
]
VARIANTS += [
    Variant("R15b iterate_minibatches yields int32 labels (still integers)",
            "        yield X[idx], y[idx]\n", "        yield X[idx], y[idx].astype(np.int32)\n"),
    Variant("R15b sgd_update through np.subtract(..., out=)",
            "    for name, g in grads.items():\n        params[name] -= lr * g\n",
            "    for name, g in grads.items():\n        np.subtract(params[name], lr * g, out=params[name])\n"),
    Variant("R15b fit measures the validation set through a separate generator-free evaluation helper",
            "        val_logits, _ = forward(params, X_val)\n",
            "        val_logits = np.concatenate([forward(params, X_val[i:i + 5])[0] for i in range(0, len(X_val), 5)])\n"),
]

# Round 16 (held-out set a16, now catalogued): float16 answers, tp counted twice, flat indexing, shared rows.
MUTANTS += [
    Mutant("R16 softmax exponentiates in float16",
           "e = np.exp(z - z.max(axis=1, keepdims=True))\n    return e / e.sum(axis=1, keepdims=True)",
           "e = np.exp((z - z.max(axis=1, keepdims=True)).astype(np.float16))\n    return e / e.sum(axis=1, keepdims=True)",
           expect="right only to float16 precision"),
    Mutant("R16 precision/recall with fp and fn taken as whole column / row sums (tp counted twice)",
           "predicted, actual = cm.sum(axis=0), cm.sum(axis=1)",
           "fp, fn = cm.sum(axis=0), cm.sum(axis=1)\n    predicted, actual = tp + fp, tp + fn",
           expect="already contains tp, so tp is counted twice"),
    Mutant("R16 iterate_minibatches via np.take without axis (flat indices)",
           "yield X[idx], y[idx]",
           "yield np.take(X, idx).reshape(len(idx), -1), np.take(y, idx)",
           expect="single entries of the FLATTENED X"),
    Mutant("R16 iterate_minibatches yields the first two columns of X only",
           "yield X[idx], y[idx]",
           "yield X[idx, :2], y[idx]",
           expect="it holds only 2 of X's"),
    Mutant("R16 one_hot built as a Python list [[0] * C] * N (every row the same list)",
           "Y = np.zeros((y.shape[0], num_classes), dtype=np.float32)\n    Y[np.arange(y.shape[0]), y] = 1.0\n    return Y",
           "Y = [[0.0] * num_classes] * y.shape[0]\n    for i, label in enumerate(y):\n        Y[i][label] = 1.0\n"
           "    return np.array(Y, dtype=np.float32)",
           expect="all the rows are ONE list or array"),
]
MUTANTS += [
    Mutant("R16 train_epoch differentiates a sigmoid (one-vs-all) loss while measuring softmax cross-entropy",
           "dlogits = softmax_cross_entropy_backward(softmax(logits), yb)",
           "probs = 1.0 / (1.0 + np.exp(-logits))\n        dlogits = (probs - one_hot(yb, logits.shape[1])) / xb.shape[0]",
           expect="the gradient you backpropagate is not that of the loss you measure"),
    Mutant("R16 train_epoch backpropagates a squared error on the logits",
           "dlogits = softmax_cross_entropy_backward(softmax(logits), yb)",
           "dlogits = 2 * (logits - one_hot(yb, logits.shape[1])) / logits.size",
           expect="a squared error on the logits"),
]
MUTANTS += [
    Mutant("R16 softmax_cross_entropy_backward returns float16",
           "return (probs - one_hot(y, probs.shape[1])) / n",
           "return ((probs - one_hot(y, probs.shape[1])) / n).astype(np.float16)",
           expect="right only to float16 precision"),
]
# Round 16b (held-out probes i16-11 and i16-13, now catalogued): an extra L2 / weight-decay term fitted on the
# replay and confirmed by a replay with it; a confusion matrix whose marginals are right but pairs broken.
MUTANTS += [
    Mutant("R16b train_epoch adds L2 weight decay 5e-4 to every gradient",
           "        params.update(sgd_update(params, backward(params, cache, dlogits), lr))\n",
           "        grads = backward(params, cache, dlogits)\n        for k in grads:\n            grads[k] = grads[k] + 5e-4 * params[k]\n"
           "        params.update(sgd_update(params, grads, lr))\n",
           expect="weight-decay term c * param with c = 0.0005"),
    Mutant("R16b train_epoch adds L2 weight decay 2e-3 to the weight matrices only",
           "        params.update(sgd_update(params, backward(params, cache, dlogits), lr))\n",
           "        grads = backward(params, cache, dlogits)\n        for k in ('W1', 'W2'):\n            grads[k] = grads[k] + 2e-3 * params[k]\n"
           "        params.update(sgd_update(params, grads, lr))\n",
           expect="every weight matrix (not the biases)"),
    Mutant("R16b confusion_matrix counts the sorted labels (pairs broken)",
           "    np.add.at(cm, (y_true, y_pred), 1)", "    np.add.at(cm, (np.sort(y_true), np.sort(y_pred)), 1)",
           expect="np.sort(y_true) against np.sort(y_pred)"),
    Mutant("R16b confusion_matrix pairs y_true with a reversed y_pred",
           "    np.add.at(cm, (y_true, y_pred), 1)", "    np.add.at(cm, (y_true, y_pred[::-1]), 1)",
           expect="y_true[i] is not paired with y_pred[i]"),
]
MUTANTS += [
    Mutant("R16b sgd_update writes params - lr * g into the gradient (np.subtract out=g)",
           "        params[name] -= lr * g\n", "        np.subtract(params[name], lr * g, out=g)\n",
           expect="the update was written into grads, not into params"),
]
# Round 16c (held-out probes m16q lab02 q10, q12, now catalogued): the loss gradient pushed through the softmax
# Jacobian a second time; an accuracy exactly 100 times the expected fraction (asked of every accuracy that
# train_epoch / fit return through _expect_any).
MUTANTS += [
    Mutant("R16c loss gradient pushed through the softmax Jacobian again (derivative applied twice)",
           "    n = probs.shape[0]\n    return (probs - one_hot(y, probs.shape[1])) / n\n",
           "    n = probs.shape[0]\n    g = (probs - one_hot(y, probs.shape[1])) / n\n"
           "    return probs * (g - np.sum(g * probs, axis=1, keepdims=True))\n",
           expect="the softmax derivative is applied twice"),
    Mutant("R16c train_epoch returns the accuracy as a percentage",
           "return total_loss / X.shape[0], total_correct / X.shape[0]",
           "return total_loss / X.shape[0], 100.0 * total_correct / X.shape[0]",
           expect="the accuracy returned as a percentage"),
]
# Round 16c / decision of round 17: the ReLU derivative at Z1 == 0 is the notebook's 1[Z1 > 0], now also in
# backward's docstring (as in lab01 and lab04), asked on integer X, W1, b1 with exact zeros in Z1; the mask
# Z1 >= 0, a variant until then, is a mistake.
MUTANTS += [
    Mutant("R16c backward ReLU mask Z1 >= 0 (derivative 1 at Z1 == 0)",
           "dA1 * (Z1 > 0)", "dA1 * (Z1 >= 0)", expect="the ReLU derivative is 1[Z1 > 0], 0 at Z1 == 0"),
    Mutant("R16c backward ReLU mask np.heaviside(Z1, 1)",
           "dA1 * (Z1 > 0)", "dA1 * np.heaviside(Z1, 1.0)", expect="the ReLU derivative is 1[Z1 > 0], 0 at Z1 == 0"),
]
# Round 17 (m17a): forward is asked the same call twice (after a failure); a forward that is not deterministic is
# named in its cell, and train_epoch and fit are judged with the reference forward lent in its place.
MUTANTS += [
    Mutant("R17 forward applies inverted dropout 0.5 to A1 (global np.random)",
           "    A1 = np.maximum(Z1, 0)\n    logits = A1 @ params[\"W2\"] + params[\"b2\"]",
           "    A1 = np.maximum(Z1, 0) * (np.random.rand(*Z1.shape) > 0.5) / 0.5\n"
           "    logits = A1 @ params[\"W2\"] + params[\"b2\"]",
           expect="forward returns different logits on two calls with the same params and X"),
    Mutant("R17 forward adds Gaussian noise to Z1 (unseeded default_rng)",
           "    A1 = np.maximum(Z1, 0)\n    logits = A1 @ params[\"W2\"] + params[\"b2\"]",
           "    A1 = np.maximum(Z1 + 0.01 * np.random.default_rng().normal(size=Z1.shape), 0)\n"
           "    logits = A1 @ params[\"W2\"] + params[\"b2\"]",
           expect="it is not deterministic"),
]
# Round 17 (m17a): weights not centred are read on two sizes: the std given as rng.normal's mean (loc), or all >= 0.
MUTANTS += [
    Mutant("R17 init_params passes the std as rng.normal's first argument (the mean)",
           "    W1 = rng.standard_normal((n_in, n_hidden), dtype=np.float32) * np.float32(np.sqrt(2.0 / n_in))\n"
           "    W2 = rng.standard_normal((n_hidden, n_out), dtype=np.float32) * np.float32(np.sqrt(1.0 / n_hidden))",
           "    W1 = rng.normal(np.sqrt(2.0 / n_in), size=(n_in, n_hidden)).astype(np.float32)\n"
           "    W2 = rng.normal(np.sqrt(1.0 / n_hidden), size=(n_hidden, n_out)).astype(np.float32)",
           expect="the std was given as rng.normal's FIRST argument, which is the mean"),
    Mutant("R17 init_params W1 by rng.uniform(0, 2 * std) (not centred)",
           "W1 = rng.standard_normal((n_in, n_hidden), dtype=np.float32) * np.float32(np.sqrt(2.0 / n_in))",
           "W1 = rng.uniform(0.0, 2 * np.sqrt(2.0 / n_in), size=(n_in, n_hidden)).astype(np.float32)",
           expect="every entry is >= 0"),
]
# Round 17 (m17a): after a failure the loop runs again with a counting sgd_update lent: one update per batch.
_TE_LOOP = """        dlogits = softmax_cross_entropy_backward(softmax(logits), yb)
        # update() also covers an sgd_update that returns new arrays instead of editing them
        params.update(sgd_update(params, backward(params, cache, dlogits), lr))"""
MUTANTS += [
    Mutant("R17 train_epoch accumulates gradients over two batches (one update per pair)",
           '    total_loss, total_correct = 0.0, 0.0\n    for xb, yb in iterate_minibatches(X, y, batch_size, rng):\n        logits, cache = forward(params, xb)\n        total_loss += cross_entropy(logits, yb) * xb.shape[0]\n        total_correct += accuracy(logits, yb) * xb.shape[0]\n        dlogits = softmax_cross_entropy_backward(softmax(logits), yb)\n        # update() also covers an sgd_update that returns new arrays instead of editing them\n        params.update(sgd_update(params, backward(params, cache, dlogits), lr))',
           '    total_loss, total_correct = 0.0, 0.0\n    acc, pending = None, 0\n    for xb, yb in iterate_minibatches(X, y, batch_size, rng):\n        logits, cache = forward(params, xb)\n        total_loss += cross_entropy(logits, yb) * xb.shape[0]\n        total_correct += accuracy(logits, yb) * xb.shape[0]\n        dlogits = softmax_cross_entropy_backward(softmax(logits), yb)\n        g = backward(params, cache, dlogits)\n        acc = g if acc is None else {k: acc[k] + g[k] for k in g}\n        pending += 1\n        if pending == 2:                      # gradient accumulation: effective batch 2 * batch_size\n            params.update(sgd_update(params, acc, lr))\n            acc, pending = None, 0\n    if acc is not None:\n        params.update(sgd_update(params, acc, lr))',
           expect="called sgd_update 2 times for 3 batches"),
    Mutant("R17 train_epoch skips the update of the last, smaller batch",
           _TE_LOOP,
           _TE_LOOP.replace("        params.update(", "        if xb.shape[0] == batch_size:\n            params.update("),
           expect="called sgd_update"),
]
MUTANTS += [
    Mutant("R17 normalize binarises the pixels at 128",
           "images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255)",
           "(images.reshape(images.shape[0], -1) >= 128).astype(np.float32)",
           expect="the pixels were binarised at the middle gray"),
]
# Round 17b (m17i): properties read on a second input (one_hot's columns, fit's every row, the lr argument),
# parts judged apart (the confusion diagonal, dZ1 read back where the unit is on / off), a clipped softmax.
MUTANTS += [
    Mutant("R17b one_hot through np.eye(len(y))[y] (samples and classes mixed up)",
           """    Y = np.zeros((y.shape[0], num_classes), dtype=np.float32)
    Y[np.arange(y.shape[0]), y] = 1.0
    return Y""",
           """    return np.eye(len(y), dtype=np.float32)[y]""",
           expect="as many columns as there are SAMPLES"),
    Mutant("R17b loss gradient multiplied entrywise by probs: probs * (probs - one_hot) / N",
           "    return (probs - one_hot(y, probs.shape[1])) / n",
           "    return probs * (probs - one_hot(y, probs.shape[1])) / n",
           expect="multiplied entrywise by probs"),
    Mutant("R17b loss gradient multiplied entrywise by (1 - probs)",
           "    return (probs - one_hot(y, probs.shape[1])) / n",
           "    return (1 - probs) * (probs - one_hot(y, probs.shape[1])) / n",
           expect="multiplied entrywise by (1 - probs)"),
    Mutant("R17b backward np.where(Z1 > 0, dA1, Z1) (the pre-activation where the unit is off)",
           "    dZ1 = dA1 * (Z1 > 0) ",
           "    dZ1 = np.where(Z1 > 0, dA1, Z1) ",
           expect="not 0 where it is off (Z1 <= 0): yours holds Z1 itself"),
    Mutant("R17b backward dZ1 = 2 * dA1 where the unit is on",
           "    dZ1 = dA1 * (Z1 > 0) ",
           "    dZ1 = 2 * dA1 * (Z1 > 0) ",
           expect="but wrong where it is on (Z1 > 0) (yours is 2 times dA1 there)"),
    Mutant("R17b train_epoch steps with a global LR instead of its lr argument",
           "def train_epoch(params, X, y, lr, batch_size, rng):",
           "LR = 0.2  # learning rate\n\n\ndef train_epoch(params, X, y, lr, batch_size, rng):",
           also=[("params.update(sgd_update(params, backward(params, cache, dlogits), lr))",
                  "params.update(sgd_update(params, backward(params, cache, dlogits), LR))")],
           expect="does not use its lr argument"),
    Mutant("R17b softmax output clipped to [1e-7, 1 - 1e-7]",
           "    return e / e.sum(axis=1, keepdims=True)",
           "    return np.clip(e / e.sum(axis=1, keepdims=True), 1e-7, 1 - 1e-7)",
           expect="The output is clipped"),
    Mutant("R17b confusion_matrix counts only the misclassified samples",
           "    np.add.at(cm, (y_true, y_pred), 1)     # unlike cm[...] += 1, counts repeated pairs",
           "    wrong = y_true != y_pred\n    np.add.at(cm, (y_true[wrong], y_pred[wrong]), 1)",
           expect="the correctly classified samples are not counted at all"),
    Mutant("R17b confusion_matrix counts only the correctly classified samples",
           "    np.add.at(cm, (y_true, y_pred), 1)     # unlike cm[...] += 1, counts repeated pairs",
           "    hit = y_true == y_pred\n    np.add.at(cm, (y_true[hit], y_pred[hit]), 1)",
           expect="the misclassified samples are not counted at all"),
    Mutant("R17b fit measures the validation set once after training and copies it into every row",
           """        val_logits, _ = forward(params, X_val)
        rows.append({"epoch": epoch, "train_loss": train_loss, "train_acc": train_acc,
                     "val_loss": cross_entropy(val_logits, y_val),
                     "val_acc": accuracy(val_logits, y_val)})
        bar.set_postfix(loss=f"{train_loss:.3f}", acc=f"{train_acc:.3f}",
                        val_acc=f"{rows[-1]['val_acc']:.3f}")
    return pd.DataFrame(rows).set_index("epoch")""",
           """        rows.append({"epoch": epoch, "train_loss": train_loss, "train_acc": train_acc})
        bar.set_postfix(loss=f"{train_loss:.3f}", acc=f"{train_acc:.3f}")
    val_logits, _ = forward(params, X_val)
    for row in rows:
        row["val_loss"] = cross_entropy(val_logits, y_val)
        row["val_acc"] = accuracy(val_logits, y_val)
    return pd.DataFrame(rows).set_index("epoch")""",
           expect="the validation set was measured once, after the loop"),
    Mutant("R17b fit writes the last epoch's train_loss and train_acc into every row",
           """    return pd.DataFrame(rows).set_index("epoch")""",
           """    for row in rows:
        row["train_loss"], row["train_acc"] = rows[-1]["train_loss"], rows[-1]["train_acc"]
    return pd.DataFrame(rows).set_index("epoch")""",
           expect="every row holds the LAST epoch's pair"),
]
VARIANTS += [
    # a floor far below the tolerance (1e-12 where an exp underflows to 0): the rows still sum to 1 within 1e-11
    Variant("R17b softmax output floored at 1e-12 (np.maximum)",
            "    return e / e.sum(axis=1, keepdims=True)",
            "    return np.maximum(e / e.sum(axis=1, keepdims=True), 1e-12)"),
    Variant("R17b one_hot via np.eye(num_classes)[y]",
            """    Y = np.zeros((y.shape[0], num_classes), dtype=np.float32)
    Y[np.arange(y.shape[0]), y] = 1.0
    return Y""",
            """    return np.eye(num_classes, dtype=np.float32)[y]"""),
    Variant("R17b confusion_matrix via np.bincount of y_true * C + y_pred",
            "    np.add.at(cm, (y_true, y_pred), 1)     # unlike cm[...] += 1, counts repeated pairs",
            "    cm += np.bincount(y_true * num_classes + y_pred, minlength=num_classes ** 2)"
            ".reshape(num_classes, num_classes)"),
    Variant("R17b fit builds the history from lists per column",
            """    return pd.DataFrame(rows).set_index("epoch")""",
            """    cols = {k: [row[k] for row in rows] for k in ("epoch", "train_loss", "train_acc", "val_loss", "val_acc")}
    return pd.DataFrame(cols).set_index("epoch")"""),
]
# Round 17b: every step of the lab (sgd_update, train_epoch, fit) is asked whether it uses the lr it is given.
MUTANTS += [
    Mutant("R17b sgd_update steps with a global LR",
           "def sgd_update(params, grads, lr):",
           "LR = 0.05\n\n\ndef sgd_update(params, grads, lr):",
           also=[("        params[name] -= lr * g", "        params[name] -= LR * g")],
           expect="sgd_update does not use its lr argument"),
    Mutant("R17b fit trains with a learning rate written in (0.1) instead of lr",
           "        epoch_lr = lr * lr_decay ** (epoch - 1)\n",
           "        epoch_lr = 0.1 * lr_decay ** (epoch - 1)\n",
           expect="fit does not use its lr argument"),
]
MUTANTS += [
    Mutant("confusion_matrix treats labels as 1-based (y - 1)",
           old="np.add.at(cm, (y_true, y_pred), 1)", new="np.add.at(cm, (y_true - 1, y_pred - 1), 1)",
           expect="do not subtract 1"),
    Mutant("train_epoch applies softmax twice before the loss backward",
           old="dlogits = softmax_cross_entropy_backward(softmax(logits), yb)",
           new="dlogits = softmax_cross_entropy_backward(softmax(softmax(logits)), yb)",
           expect="softmax is applied twice"),
]


# Round 18 (m18a held-out probes, fixed): state kept between calls.
MUTANTS += [
    Mutant("R18a-01 one_hot caches an identity matrix on the function at the first call (stale for another num_classes)",
           old="""    Y = np.zeros((y.shape[0], num_classes), dtype=np.float32)
    Y[np.arange(y.shape[0]), y] = 1.0
    return Y""",
           new="""    if not hasattr(one_hot, "eye"):
        one_hot.eye = np.eye(num_classes, dtype=np.float32)   # built once, reused
    return one_hot.eye[y]""", expect='keeps state between calls on the function itself'),
    Mutant("R18a-04 init_params memoised with functools.lru_cache (every call returns the same arrays)",
           old="def init_params(n_in, n_hidden, n_out, rng):",
           new="@__import__('functools').lru_cache(maxsize=None)\ndef init_params(n_in, n_hidden, n_out, rng):", expect='called twice with the SAME generator returned the same'),
    Mutant("R18a-05 accuracy counts a row as right when the true class ties for the max score",
           old="    return float(np.mean(scores.argmax(axis=1) == y))",
           new="    return float(np.mean(scores[np.arange(len(y)), y] == scores.max(axis=1)))", expect='a row counts as right when the true class TIES for the largest score'),
    Mutant("R18a-07 fit applies lr_decay only when it is below 1",
           old="        epoch_lr = lr * lr_decay ** (epoch - 1)",
           new="        epoch_lr = lr * lr_decay ** (epoch - 1) if lr_decay < 1 else lr", expect='lr_decay is applied only for some values'),
    Mutant("R18a-09 precision and recall share one zeros out= buffer (recall overwrites precision)",
           old="""    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)""",
           new="""    zeros = np.zeros_like(tp)
    precision = np.divide(tp, predicted, out=zeros, where=predicted > 0)
    recall = np.divide(tp, actual, out=zeros, where=actual > 0)""", expect='returned by ONE call are the same array'),
    Mutant("R18a-10 backward caches a contiguous copy of W2.T on its first call (stale once W2 changes)",
           old="""    dA1 = dlogits @ params["W2"].T""",
           new="""    if not hasattr(backward, "W2T"):
        backward.W2T = np.ascontiguousarray(params["W2"].T)   # transpose once, for speed
    dA1 = dlogits @ backward.W2T""", expect='keeps state between calls on the function itself (backward.W2T'),
    Mutant("R18a-11 forward writes Z1 into a buffer kept on the function (an earlier cache changes on the next call)",
           old="""    Z1 = X @ params["W1"] + params["b1"]""",
           new="""    buf = getattr(forward, "buf", None)
    if buf is None or buf.shape != (X.shape[0], params["W1"].shape[1]) or buf.dtype != np.result_type(X, params["W1"]):
        buf = forward.buf = np.empty((X.shape[0], params["W1"].shape[1]), dtype=np.result_type(X, params["W1"]))
    Z1 = np.matmul(X, params["W1"], out=buf)
    Z1 += params["b1"]""", expect="the cache's Z1 returned by the first call was overwritten by the second call"),
    Mutant("R18a-15 loss gradient divides by the batch size of the first call (kept on the function)",
           old="""    n = probs.shape[0]
    return (probs - one_hot(y, probs.shape[1])) / n""",
           new="""    if not hasattr(softmax_cross_entropy_backward, "n"):
        softmax_cross_entropy_backward.n = probs.shape[0]    # the batch size
    return (probs - one_hot(y, probs.shape[1])) / softmax_cross_entropy_backward.n""", expect='keeps state between calls on the function itself (softmax_cross_entropy_backward.n'),
]
VARIANTS += [
    Variant("R18a-v1 iterate_minibatches orders the samples by argsort of uniform draws",
            old="    order = rng.permutation(X.shape[0])",
            new="    order = np.argsort(rng.random(X.shape[0]), kind=\"stable\")"),
    Variant("R18a-v2 fit fills a preallocated DataFrame with .loc",
            old="""    rng = np.random.default_rng(seed)
    rows = []
    bar = progress(range(1, epochs + 1), desc="training", unit="epoch")
    for epoch in bar:
        epoch_lr = lr * lr_decay ** (epoch - 1)
        train_loss, train_acc = train_epoch(params, X_tr, y_tr, epoch_lr, batch_size, rng)
        val_logits, _ = forward(params, X_val)
        rows.append({"epoch": epoch, "train_loss": train_loss, "train_acc": train_acc,
                     "val_loss": cross_entropy(val_logits, y_val),
                     "val_acc": accuracy(val_logits, y_val)})
        bar.set_postfix(loss=f"{train_loss:.3f}", acc=f"{train_acc:.3f}",
                        val_acc=f"{rows[-1]['val_acc']:.3f}")
    return pd.DataFrame(rows).set_index("epoch")""",
            new="""    rng = np.random.default_rng(seed)
    hist = pd.DataFrame(index=pd.RangeIndex(1, epochs + 1, name="epoch"),
                        columns=["train_loss", "train_acc", "val_loss", "val_acc"], dtype=float)
    for epoch in progress(hist.index, desc="training", unit="epoch"):
        tl, ta = train_epoch(params, X_tr, y_tr, lr * lr_decay ** (epoch - 1), batch_size, rng)
        val_logits = forward(params, X_val)[0]
        hist.loc[epoch] = [tl, ta, cross_entropy(val_logits, y_val), accuracy(val_logits, y_val)]
    return hist"""),
    Variant("R18a-v3 backward as a loop over the two layers",
            old="""    X, Z1, A1 = cache
    dW2 = A1.T @ dlogits
    db2 = dlogits.sum(axis=0, keepdims=True)
    dA1 = dlogits @ params["W2"].T
    dZ1 = dA1 * (Z1 > 0)               # ReLU'(z) = 1 where z > 0, 0 elsewhere
    dW1 = X.T @ dZ1                    # BLAS reads X.T without copying it
    db1 = dZ1.sum(axis=0, keepdims=True)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}""",
            new="""    X, Z1, A1 = cache
    grads, delta = {}, dlogits
    for k, inp in ((2, A1), (1, X)):
        grads[f"W{k}"] = inp.T @ delta
        grads[f"b{k}"] = delta.sum(axis=0, keepdims=True)
        if k == 2:
            delta = (delta @ params["W2"].T) * (Z1 > 0)
    return grads"""),
    Variant("R18a-v4 confusion_matrix via collections.Counter of the pairs",
            old="""    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(cm, (y_true, y_pred), 1)     # unlike cm[...] += 1, counts repeated pairs
    return cm""",
            new="""    from collections import Counter
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    for (i, j), k in Counter(zip(np.asarray(y_true).tolist(), np.asarray(y_pred).tolist())).items():
        cm[i, j] = k
    return cm"""),
    Variant("R18a-v5 precision_recall_f1 with errstate and np.where masks",
            old="""    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
    both = precision + recall
    f1 = np.divide(2 * precision * recall, both, out=np.zeros_like(tp), where=both > 0)""",
            new="""    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, tp / predicted, 0.0)
        recall = np.where(actual > 0, tp / actual, 0.0)
        both = precision + recall
        f1 = np.where(both > 0, 2 * precision * recall / both, 0.0)"""),
]

# Round 18: the same questions of state kept between calls, asked of lab02's other functions.
MUTANTS += [
    Mutant("R18a-x1 softmax memoised on id(z) (a training loop's array changed in place gets the old result)",
           old="""    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)""",
           new="""    memo = softmax.__dict__.setdefault("memo", {})
    if id(z) in memo:
        return memo[id(z)].copy()
    e = np.exp(z - z.max(axis=1, keepdims=True))
    memo[id(z)] = e / e.sum(axis=1, keepdims=True)
    return memo[id(z)].copy()""",
           # which question meets the memo first depends on whether an earlier case's array freed its
           # address (id reuse): both messages name the mistake
           expect=("keeps state between calls on the function itself",
                   "returned a result computed from the values of an earlier call: state kept between calls")),
    Mutant("R18a-x2 forward keeps Z1 per id(X) (stale once X is refilled in place)",
           old="""    Z1 = X @ params["W1"] + params["b1"]""",
           new="""    memo = forward.__dict__.setdefault("memo", {})
    if id(X) not in memo:
        memo[id(X)] = X @ params["W1"] + params["b1"]
    Z1 = memo[id(X)].copy()""",
           # an id reused by a freed X of an earlier case makes the cases' own state question answer first
           expect=("returned a result computed from the values of an earlier call",
                   "forward keeps state between calls on the function itself (forward.memo")),
    Mutant("R18a-x3 normalize writes into a module-level buffer reused when the shape repeats",
           old="""    return images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255)""",
           new="""    key = (images.shape[0], images[0].size)
    buf = normalize.__dict__.setdefault("bufs", {}).get(key)
    if buf is None:
        buf = normalize.bufs[key] = np.empty(key, dtype=np.float32)
    np.divide(images.reshape(key), np.float32(255), out=buf)
    return buf""",
           expect="was overwritten by the second call"),
]
MUTANTS += [
    Mutant("R18e-1 one_hot via put_along_axis with y as a row (every row marks every label; costs one_hot's cell only)",
           old="    Y[np.arange(y.shape[0]), y] = 1.0\n",
           new="    np.put_along_axis(Y, y[None, :], 1.0, axis=1)\n",
           expect="with a 1 at every label of the batch"),
]
MUTANTS += [
    Mutant("R18e-2 normalize with PyTorch's .view(N, -1)",
           old="return images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255)",
           new="return images.view(images.shape[0], -1).astype(np.float32) / np.float32(255)",
           expect="PyTorch's x.view(N, -1) is NumPy's x.reshape(N, -1)"),
    Mutant("R18e-3 train_epoch applies the previous batch's gradients (one update late)",
           old="    total_loss, total_correct = 0.0, 0.0\n    for xb, yb in iterate_minibatches(X, y, batch_size, rng):\n"
               "        logits, cache = forward(params, xb)\n",
           new="    total_loss, total_correct = 0.0, 0.0\n    prev = None\n"
               "    for xb, yb in iterate_minibatches(X, y, batch_size, rng):\n        logits, cache = forward(params, xb)\n",
           also=[("        params.update(sgd_update(params, backward(params, cache, dlogits), lr))\n",
                  "        grads = backward(params, cache, dlogits)\n        if prev is not None:\n"
                  "            params.update(sgd_update(params, prev, lr))\n        prev = grads\n")],
           expect="every update is one batch LATE"),
]
MUTANTS += [
    Mutant("R18e-4 sgd_update returns at the first gradient of all zeros (return where continue belongs)",
           old="    for name, g in grads.items():\n        params[name] -= lr * g\n",
           new="    for name, g in grads.items():\n        if not np.any(g):\n            return params\n"
               "        params[name] -= lr * g\n",
           expect="the loop stops at a gradient of zeros"),
]
MUTANTS += [
    Mutant("R18k-1 softmax shifts by the first logit z[:, :1] instead of the row max",
           old="e = np.exp(z - z.max(axis=1, keepdims=True))", new="e = np.exp(z - z[:, :1])",
           expect="shift by the row maximum, not a chosen entry"),
    Mutant("R18k-2 cross_entropy logsumexp shifted by the first logit",
           old="m = logits.max(axis=1, keepdims=True)", new="m = logits[:, :1]",
           expect="shift by the row maximum, not a chosen entry"),
]
MUTANTS += [
    Mutant("R18k-4 train_epoch divides by X.shape[1] (features) instead of N",
           old="return total_loss / X.shape[0], total_correct / X.shape[0]",
           new="return total_loss / X.shape[1], total_correct / X.shape[1]",
           expect="is divided by X.shape[1]"),
    Mutant("R18k-5 fit writes the training loss into train_acc (copy-paste)",
           old='"train_acc": train_acc,', new='"train_acc": train_loss,',
           expect="train_acc holds the loss values"),
    Mutant("R18k-6 confusion_matrix double loop with | instead of &",
           old="    np.add.at(cm, (y_true, y_pred), 1)     # unlike cm[...] += 1, counts repeated pairs\n",
           new=("    for t in range(num_classes):\n        for p in range(num_classes):\n"
                "            cm[t, p] = np.sum((y_true == t) | (y_pred == p))\n"),
           expect="every sample counted exactly once"),
    Mutant("R18k-7 train_epoch measures every batch first, then trains in a second pass",
           old=("    for xb, yb in iterate_minibatches(X, y, batch_size, rng):\n        logits, cache = forward(params, xb)\n"
                "        total_loss += cross_entropy(logits, yb) * xb.shape[0]\n        total_correct += accuracy(logits, yb) * xb.shape[0]\n"),
           new=("    batches = list(iterate_minibatches(X, y, batch_size, rng))\n    for xb, yb in batches:\n"
                "        logits, _ = forward(params, xb)\n"
                "        total_loss += cross_entropy(logits, yb) * xb.shape[0]\n        total_correct += accuracy(logits, yb) * xb.shape[0]\n"
                "    for xb, yb in batches:\n        logits, cache = forward(params, xb)\n"),
           expect="parameters of the START of the epoch"),
]
MUTANTS += [
    Mutant("R18k-8 iterate_minibatches np.array_split into ceil(N / B) pieces (sizes evened out)",
           old="    for start in range(0, X.shape[0], batch_size):\n        idx = order[start:start + batch_size]\n",
           new="    for idx in np.array_split(order, int(np.ceil(X.shape[0] / batch_size))):\n",
           expect="batches must hold batch_size samples, the last one the rest"),
    Mutant("R18k-9 softmax shifted by the last logit z[:, -1:]",
           old="e = np.exp(z - z.max(axis=1, keepdims=True))", new="e = np.exp(z - z[:, -1:])",
           expect="chosen entry"),
]
# --- round 19b: the m19a held-out set (an epsilon in the log, clipped weights and activations, a squeezed batch
# of one, validation in unweighted batches, tiny gradients, ties broken at random) ---
_R19B_FIT_VAL_OLD = ('        val_logits, _ = forward(params, X_val)\n'
                     '        rows.append({"epoch": epoch, "train_loss": train_loss, "train_acc": train_acc,\n'
                     '                     "val_loss": cross_entropy(val_logits, y_val),\n'
                     '                     "val_acc": accuracy(val_logits, y_val)})\n')
_R19B_FIT_VAL_NEW = ('        parts = []\n'
                     '        for s in range(0, len(X_val), batch_size):\n'
                     '            vl, _ = forward(params, X_val[s:s + batch_size])\n'
                     '            parts.append((cross_entropy(vl, y_val[s:s + batch_size]), accuracy(vl, y_val[s:s + batch_size])))\n'
                     '        rows.append({"epoch": epoch, "train_loss": train_loss, "train_acc": train_acc,\n'
                     '                     "val_loss": float(np.mean([p[0] for p in parts])),\n'
                     '                     "val_acc": float(np.mean([p[1] for p in parts]))})\n')
MUTANTS += [
    Mutant("R19b-1 normalize squeezes the images first (N = 1 loses the batch axis)",
           old="    return images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255)\n",
           new="    images = np.squeeze(images)\n"
               "    return images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255)\n",
           expect="the batch axis of size 1 was dropped"),
    Mutant("R19b-2 cross_entropy as -log(softmax + 1e-7) (Keras epsilon)",
           old="    true_logit = logits[np.arange(logits.shape[0]), y]\n    return float(np.mean(log_norm - true_logit))",
           new="    p = softmax(logits)\n    return float(np.mean(-np.log(p[np.arange(logits.shape[0]), y] + 1e-7)))",
           expect="an epsilon is added inside the log"),
    Mutant("R19b-3 init_params clips both weight matrices at 2 std",
           old='    return {"W1": W1, "b1"',
           new='    s1, s2 = float(np.sqrt(2.0 / n_in)), float(np.sqrt(1.0 / n_hidden))\n'
               '    W1 = np.clip(W1, -2 * s1, 2 * s1)\n    W2 = np.clip(W2, -2 * s2, 2 * s2)\n'
               '    return {"W1": W1, "b1"', expect="the weights were clipped"),
    Mutant("R19b-4 forward hidden activation is ReLU6 (np.clip(Z1, 0, 6))",
           old="    A1 = np.maximum(Z1, 0)\n", new="    A1 = np.clip(Z1, 0, 6)\n", expect="the activation is clipped at 6"),
    Mutant("R19b-5 backward uses the ReLU6 derivative (0 < Z1 < 6)",
           old="dZ1 = dA1 * (Z1 > 0)", new="dZ1 = dA1 * ((Z1 > 0) & (Z1 < 6))", expect="the derivative is cut off above"),
    Mutant("R19b-6 fit evaluates validation in mini-batches and averages the batch means unweighted",
           old=_R19B_FIT_VAL_OLD, new=_R19B_FIT_VAL_NEW, expect="UNWEIGHTED mean"),
    Mutant("R19b-7 sgd_update skips parameters whose gradient norm is below 1e-3",
           old="        params[name] -= lr * g\n",
           new="        if np.linalg.norm(g) < 1e-3:\n            continue\n        params[name] -= lr * g\n",
           expect="parameters with a small gradient were skipped"),
    Mutant("R19b-8 accuracy breaks ties at random (tiny unseeded noise added to the scores)",
           old="return float(np.mean(scores.argmax(axis=1) == y))",
           new="noise = np.random.default_rng().uniform(0, 1e-9, scores.shape)\n"
               "    return float(np.mean((scores + noise).argmax(axis=1) == y))",
           expect="accuracy is not deterministic"),
    Mutant("R19b-9 one_hot squeezes the labels (N = 1 loses the batch axis)",
           old="    Y = np.zeros((y.shape[0], num_classes), dtype=np.float32)\n",
           new="    y = np.squeeze(y)\n    return np.eye(num_classes, dtype=np.float32)[y]\n",
           expect="the batch axis of size 1 was dropped"),
]
VARIANTS += [
    Variant("R19b-v1 cross_entropy from probabilities clipped at 1e-7 (a documented clamp, not reached at losses <= 12)",
            old="return float(np.mean(log_norm - true_logit))",
            new="return float(-np.mean(np.log(np.clip(softmax(logits)[np.arange(logits.shape[0]), y], 1e-7, 1.0))))"),
    Variant("R19b-v2 fit evaluates validation in batches weighted by their sizes",
            old=_R19B_FIT_VAL_OLD,
            new=('        parts = []\n'
                 '        for s in range(0, len(X_val), batch_size):\n'
                 '            vl, _ = forward(params, X_val[s:s + batch_size])\n'
                 '            k = len(vl)\n'
                 '            parts.append((cross_entropy(vl, y_val[s:s + batch_size]) * k, accuracy(vl, y_val[s:s + batch_size]) * k))\n'
                 '        rows.append({"epoch": epoch, "train_loss": train_loss, "train_acc": train_acc,\n'
                 '                     "val_loss": sum(p[0] for p in parts) / len(X_val),\n'
                 '                     "val_acc": sum(p[1] for p in parts) / len(X_val)})\n')),
    Variant("R19b-v3 init_params via rng.normal(0, std, size).astype(float32)",
            old="    W1 = rng.standard_normal((n_in, n_hidden), dtype=np.float32) * np.float32(np.sqrt(2.0 / n_in))\n",
            new="    W1 = rng.normal(0.0, np.sqrt(2.0 / n_in), (n_in, n_hidden)).astype(np.float32)\n"),
]
MUTANTS += [
    Mutant("R19b-10 sgd_update keeps each params dict's first grads in a mutable default argument",
           old="def sgd_update(params, grads, lr):\n",
           new="def sgd_update(params, grads, lr, _memo={}):\n    grads = _memo.setdefault(id(params), dict(grads))\n",
           expect="sgd_update used the gradients of an earlier call"),
]
# --- issue 15, round 20: the m19h held-out set, fixed ---
MUTANTS += [
    Mutant("R20-1 train_epoch measures accuracy on the whole training set at every batch, weighted by batch",
           old="        total_correct += accuracy(logits, yb) * xb.shape[0]",
           new="        total_correct += accuracy(forward(params, X)[0], y) * xb.shape[0]",
           expect="the accuracy of the WHOLE training set X, measured before each batch's update"),
    Mutant("R20-2 train_epoch measures the loss on the whole training set after every update",
           old="        total_loss += cross_entropy(logits, yb) * xb.shape[0]\n",
           new="",
           also=[("        params.update(sgd_update(params, backward(params, cache, dlogits), lr))\n",
                  "        params.update(sgd_update(params, backward(params, cache, dlogits), lr))\n"
                  "        total_loss += cross_entropy(forward(params, X)[0], y) * xb.shape[0]\n")],
           expect="the loss of the WHOLE training set X, measured after each batch's update"),
    Mutant("R20-3 precision_recall_f1 takes each row's largest count as the true positives",
           old="    tp = np.diag(cm).astype(np.float64)",
           new="    tp = cm.max(axis=1).astype(np.float64)",
           expect="the largest count of each ROW"),
    Mutant("R20-4 precision_recall_f1 takes each column's largest count as the true positives",
           old="    tp = np.diag(cm).astype(np.float64)",
           new="    tp = cm.max(axis=0).astype(np.float64)",
           expect="the largest count of each COLUMN"),
    Mutant("R20-5 train_epoch breaks out of the epoch once a batch loss is below 1e-2 (convergence check)",
           old="        total_correct += accuracy(logits, yb) * xb.shape[0]\n",
           new="        total_correct += accuracy(logits, yb) * xb.shape[0]\n"
               "        if cross_entropy(logits, yb) < 1e-2:\n            break\n",
           expect="the loop ends early on a small loss"),
    Mutant("R20-6 train_epoch returns after the update of a batch whose loss is below 1e-3",
           old="        params.update(sgd_update(params, backward(params, cache, dlogits), lr))\n",
           new="        params.update(sgd_update(params, backward(params, cache, dlogits), lr))\n"
               "        if cross_entropy(logits, yb) < 1e-3:\n"
               "            return total_loss / X.shape[0], total_correct / X.shape[0]\n",
           expect="the loop ends early on a small loss"),
]
MUTANTS += [
    Mutant("R20-7 fit breaks out of the epoch loop once train_loss is below 0.05",
           old="        bar.set_postfix(loss=",
           new="        if train_loss < 0.05:\n            break\n        bar.set_postfix(loss=",
           expect="the loop stops on a small loss"),
]
MUTANTS += [
    Mutant("R20-8 iterate_minibatches pairs the batch's X rows with the sorted indices' labels (y[np.sort(idx)])",
           old="        yield X[idx], y[idx]\n",
           new="        yield X[idx], y[np.sort(idx)]\n",
           expect="in the order of the SORTED indices"),
]
MUTANTS += [
    Mutant("R20-9 backward dA1 through the pseudo-inverse of W2 instead of its transpose",
           old='    dA1 = dlogits @ params["W2"].T',
           new='    dA1 = dlogits @ np.linalg.pinv(params["W2"])',
           expect="the pseudo-inverse np.linalg.pinv(W2)"),
]
MUTANTS += [
    Mutant("R20-10 one_hot fills a (C, N) buffer and reshapes it to (N, C) (right only when N == C)",
           old="    Y = np.zeros((y.shape[0], num_classes), dtype=np.float32)\n    Y[np.arange(y.shape[0]), y] = 1.0\n    return Y",
           new="    Y = np.zeros((num_classes, y.shape[0]), dtype=np.float32)\n    Y[y, np.arange(y.shape[0])] = 1.0\n"
               "    return Y.reshape(y.shape[0], num_classes)",
           expect="RESHAPED to (N, C)"),
]
MUTANTS += [
    Mutant("R20e-1 precision_recall_f1 tp = np.float64(np.trace(cm)) (one number) into np.divide(out=zeros_like(tp))",
           old="tp = np.diag(cm).astype(np.float64)", new="tp = np.float64(np.trace(cm))",
           expect=["`tp` is a single number, shape ()", "np.diag(cm)"]),
    Mutant("R20e-2 sgd_update clips every gradient entry to [-1, 1]",
           old="        params[name] -= lr * g\n", new="        params[name] -= lr * np.clip(g, -1.0, 1.0)\n",
           expect=["clipped to [-1, 1]", "no clipping"]),
    Mutant("R20e-3 normalize divides by 255 twice (a second division of the scaled float array)",
           old="return images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255)",
           new="X = images.reshape(images.shape[0], -1) / 255.0\n    return X.astype(np.float32) / np.float32(255)",
           expect="divided by 255 twice"),
]

# Round 22 held-out probe (lab02): every mistake caught and named before any change (rebinding the dict's entries in sgd_update is the catalogued variant, not a mistake); kept as regressions.
MUTANTS += [
    Mutant('r22-02-1 norm-batch-max', "return images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255)",
           "X = images.reshape(images.shape[0], -1).astype(np.float32)\n    return X / X.max()",
           expect="not by the largest pixel of this batch"),
    Mutant('r22-02-2 ce-log-softmax', """    m = logits.max(axis=1, keepdims=True)
    log_norm = m[:, 0] + np.log(np.exp(logits - m).sum(axis=1))
    true_logit = logits[np.arange(logits.shape[0]), y]
    return float(np.mean(log_norm - true_logit))""", """    p = softmax(logits)
    return float(-np.mean(np.log(p[np.arange(len(y)), y])))""",
           expect="compute the loss from the logits"),
    Mutant('r22-02-3 ce-col-index', "true_logit = logits[np.arange(logits.shape[0]), y]", "true_logit = logits[:, y]",
           expect="picks the columns y of EVERY row"),
    Mutant('r22-02-4 init-uniform', "W1 = rng.standard_normal((n_in, n_hidden), dtype=np.float32)",
           "W1 = rng.random((n_in, n_hidden), dtype=np.float32)",
           expect="weights must be centred on 0"),
    Mutant('r22-02-5 acc-axis0', "return float(np.mean(scores.argmax(axis=1) == y))", "return float(np.mean(scores.argmax(axis=0) == y))",
           expect="argmax over the wrong axis"),
    Mutant('r22-02-6 mb-two-perms', """    order = rng.permutation(X.shape[0])
    for start in range(0, X.shape[0], batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]""", """    ix, iy = rng.permutation(X.shape[0]), rng.permutation(X.shape[0])
    for start in range(0, X.shape[0], batch_size):
        yield X[ix[start:start + batch_size]], y[iy[start:start + batch_size]]""",
           expect="the targets are not those of the sampled rows"),
    Mutant('r22-02-7 mb-drop-last', "    for start in range(0, X.shape[0], batch_size):\n        idx",
           "    for start in range(0, X.shape[0] - batch_size + 1, batch_size):\n        idx",
           expect="keep the last, smaller batch"),
    Mutant('r22-02-8 fit-rng-per-epoch', """    rng = np.random.default_rng(seed)
    rows = []""", """    rows = []""", also=[("        train_loss, train_acc = train_epoch(params, X_tr, y_tr, epoch_lr, batch_size, rng)",
                            "        train_loss, train_acc = train_epoch(params, X_tr, y_tr, epoch_lr, batch_size, np.random.default_rng(seed))")],
           expect="shuffles every epoch in the same order"),
    Mutant('r22-02-9 fit-val-on-train', "val_logits, _ = forward(params, X_val)", "val_logits, _ = forward(params, X_tr)",
           expect="the validation metrics are computed on the training inputs"),
]
VARIANTS += [
    Variant('r22-02-10 v-norm', "return images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255)",
            "return (images.astype(np.float32) / 255.0).reshape(len(images), -1)"),
    Variant('r22-02-11 v-softmax-T', """    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)""", """    e = np.exp((z.T - z.max(axis=1)).T)
    return (e.T / e.sum(axis=1)).T"""),
    Variant('r22-02-12 v-relu-A1', "dZ1 = dA1 * (Z1 > 0) ", "dZ1 = dA1 * (A1 > 0) "),
    Variant('r22-02-13 v-sgd-keys', """    for name, g in grads.items():
        params[name] -= lr * g""", """    for key in params:
        params[key] -= lr * grads[key]"""),
    Variant('r22-02-14 v-acc', "return float(np.mean(scores.argmax(axis=1) == y))",
            "return (np.argmax(scores, axis=1) == y).sum() / len(y)"),
    Variant('r22-02-15 v-ce-logsumexp', """    m = logits.max(axis=1, keepdims=True)
    log_norm = m[:, 0] + np.log(np.exp(logits - m).sum(axis=1))""", """    shifted = logits - logits.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=1)) + logits.max(axis=1)"""),
]
