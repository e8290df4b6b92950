"""Bug zoo of Lab 04: realistic backpropagation / gradient-descent mistakes, and correct variants.

Sources besides the course's own catalogue: the deeplearning.ai forum threads on the deep-network
assignment (tanh derivative written on Z, m = Y.shape[1] with samples in columns, dAL signs), CS231n's
"dx = dout; dx[x <= 0] = 0" ReLU backward that masks the upstream gradient in place, the Stack Overflow
`iterate_minibatches` recipe that drops the last partial batch, and a widely copied mini-batch tutorial
that draws one permutation before the epoch loop.  Issue 15's held-out round added a second
batch: the deeplearning.ai forum's cost written with np.dot(Y, np.log(A).T) (an outer product once
samples are rows), the extra factor 2 on dW from the Andrew-Ng-Deep-Learning-notes gradient-checking
issue, the sigmoid derivative evaluated at sigmoid(sigmoid(Z)) from a numpy_neural_network issue,
X and Y shuffled by two separate rng.shuffle calls (Stack Overflow's "shuffle two arrays in unison"),
the `range(m // size)` loop and np.array_split(order, n_batches) of mini-batch tutorials, and
dA_L or the squared-error gradient used as dZ_L (a network trained with one loss and differentiated
as another).  The third held-out round (written without looking at the checks, measured on main first)
added mistakes of other kinds: state kept between update calls (momentum in a module-level dict), a
caches list consumed with pop(), the 1/m put on dW and db instead of dZ_L, np.random.rand instead of randn,
a loop over the layers from 0, one-sided clipping, a timer reset every epoch, a learning rate decayed inside
train, a mini-batch loop from row 1, and building blocks that change their arguments in place.
Round 22 (helper d, a fresh held-out set on a lab never measured held-out before) added a weight-decay term in
the update (named from the step's fit b * dP + c * P), X left unindexed while Y is shuffled or sliced (the side
read by replaying train with spy blocks), and moved a naive sigmoid inside activation_backward to the variants.
"""

from . import Mutant, Variant

MUTANTS = [
    # --- initialisation
    Mutant("zero initialisation (He weights all zero)",
           old="std = np.sqrt(2.0 / n_in)", new="std = 0.0",
           expect="symmetry is never broken"),
    Mutant("He scaled with the fan-out",
           old="std = np.sqrt(2.0 / n_in)", new="std = np.sqrt(2.0 / n_out)",
           expect="fan-out"),
    Mutant("Xavier as sqrt(1 / n_in)",
           old="std = np.sqrt(2.0 / (n_in + n_out))", new="std = np.sqrt(1.0 / n_in)",
           expect="Xavier/Glorot uses std = sqrt(2 / (n_{l-1} + n_l))"),
    Mutant("variance used as standard deviation (He)",
           old="std = np.sqrt(2.0 / n_in)", new="std = 2.0 / n_in",
           expect="take its square root"),
    Mutant("initialisation ignores the seed",
           old="rng = np.random.default_rng(seed)\n    parameters = {}",
           new="rng = np.random.default_rng()\n    parameters = {}",
           expect="same seed must give the same weights"),
    # --- forward
    Mutant("bias not added in linear_forward",
           old="Z = A_prev @ W + b\n", new="Z = A_prev @ W\n",
           expect="bias b is not added"),
    Mutant("naive sigmoid (overflows for large negative Z)",
           old="E = np.exp(-np.abs(Z))\n    return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))",
           new="return 1.0 / (1.0 + np.exp(-Z))",
           expect="not numerically stable"),
    Mutant("activation cache holds A instead of Z",
           old="return A, Z", new="return A, A",
           expect="must hold the pre-activation Z"),
    Mutant("output layer uses the hidden activation",
           old='hidden_activation if l < L else "sigmoid"', new="hidden_activation",
           expect="output layer must use the sigmoid"),
    # --- loss
    Mutant("BCE without clipping (log(0))",
           old="A = np.clip(AL, eps, 1.0 - eps)", new="A = AL",
           expect="not numerically stable"),
    Mutant("BCE summed instead of averaged",
           old="return float(-np.mean(Y * np.log(A)", new="return float(-np.sum(Y * np.log(A)",
           expect="mean over the m samples"),
    # --- backward
    Mutant("dA_prev computed with W instead of W.T",
           old="dA_prev = dZ @ W.T", new="dA_prev = dZ @ W",
           expect="transpose of W is missing"),
    Mutant("1/m applied twice (dW divided by m again)",
           old="dW = A_prev.T @ dZ", new="dW = A_prev.T @ dZ / dZ.shape[0]",
           expect="1/m is applied twice"),
    Mutant("bias gradient not summed over the batch",
           old="db = dZ.sum(axis=0, keepdims=True)", new="db = dZ",
           expect="bias gradient is not summed"),
    Mutant("sigmoid derivative a(1-a) applied to the pre-activation Z",
           old="return dA * s * (1.0 - s)", new="return dA * Z * (1.0 - Z)",
           expect="applied here to the pre-activation Z"),
    Mutant("tanh derivative 1 - Z^2 on the pre-activation",
           old="return dA * (1.0 - np.tanh(Z) ** 2)", new="return dA * (1.0 - Z ** 2)",
           expect="1 - Z^2 is the formula in terms of the activation"),
    Mutant("ReLU derivative not multiplied by dA",
           old="return dA * (Z > 0)", new="return (Z > 0) * 1.0",
           expect="chain rule"),
    Mutant("BCE gradient sign flipped",
           old="dZ = (AL - Y) / m", new="dZ = (Y - AL) / m",
           expect="sign of the BCE gradient is flipped"),
    Mutant("last layer's sigmoid derivative applied on top of the simplification",
           old="dZ = (AL - Y) / m", new="dZ = (AL - Y) / m * AL * (1 - AL)",
           expect="applied on top of dZ_L"),
    Mutant("1/m missing in dZ_L",
           old="dZ = (AL - Y) / m", new="dZ = AL - Y",
           expect="1/m is missing"),
    Mutant("caches from the wrong layer (Z of layer l used for layer l-1)",
           old="_, Z_prev = caches[l - 2]", new="_, Z_prev = caches[l - 1]",
           expect="caches["),
    Mutant("hidden derivative evaluated at the activation (A_prev from the linear cache) instead of Z",
           old="_, Z_prev = caches[l - 2]", new="Z_prev = caches[l - 1][0][0]",
           expect="instead of the pre-activation Z_{l-1}"),
    # --- update, predict
    Mutant("update applied to a copy that is thrown away",
           old="parameters[key] -= learning_rate * grads[\"d\" + key]",
           new="parameters[key] - learning_rate * grads[\"d\" + key]",
           expect="copy that was thrown away"),
    Mutant("learning rate ignored in update_parameters",
           old="parameters[key] -= learning_rate * grads", new="parameters[key] -= grads",
           expect="learning_rate is ignored"),
    Mutant("gradient ascent",
           old="parameters[key] -= learning_rate * grads", new="parameters[key] += learning_rate * grads",
           expect="goes uphill"),
    Mutant("predict returns probabilities",
           old="return (AL > 0.5).astype(int)", new="return AL",
           expect="not probabilities"),
    # --- training loop
    Mutant("train updates the caller's initial parameters (no copy)",
           old="    parameters = {k: v.copy() for k, v in parameters.items()}   # the caller's stay untouched\n",
           new="",
           expect="modified the initial parameters"),
    Mutant("train ignores its learning rate",
           old="= update_parameters(parameters, grads, learning_rate)",
           new="= update_parameters(parameters, grads, 0.1)",
           expect="learning_rate argument is ignored"),
    Mutant("train never calls the update",
           old="            parameters = update_parameters(parameters, grads, learning_rate)\n",
           new="            pass\n",
           expect="the parameters did not change"),
    Mutant("last, smaller mini-batch dropped",
           old="for first in range(0, m, size):", new="for first in range(0, m - size + 1, size):",
           expect="last, smaller mini-batch is dropped"),
    Mutant("X shuffled but Y not",
           old="Y[idx]", new="Y[first:first + size]",
           expect="same permutation"),
    Mutant("no shuffling",
           old="order = rng.permutation(m)", new="order = np.arange(m)",
           expect="not shuffled"),
    Mutant("unseeded shuffling",
           old="rng = np.random.default_rng(seed)\n    epoch_range",
           new="rng = np.random.default_rng()\n    epoch_range",
           expect="reproducible"),
    Mutant("history records the last mini-batch's loss (computed before its update)",
           old="        rows.append(record(epoch))",
           new="        rows.append({**record(epoch), \"loss\": binary_cross_entropy(AL, Y[idx])})",
           expect=("after* each epoch", "not the loss of the last mini-batch")),
    # --- further initialisation mistakes
    Mutant("small random weights without the factor 0.01",
           old="std = 0.01", new="std = 1.0",
           expect="factor 0.01 is missing"),
    Mutant("biases drawn at random",
           old='parameters[f"b{l}"] = np.zeros((1, n_out))',
           new='parameters[f"b{l}"] = 0.01 * rng.standard_normal((1, n_out))',
           expect="biases must start at 0"),
    Mutant("weights stored as (n_l, n_{l-1}) (column convention)",
           old="std * rng.standard_normal((n_in, n_out))", new="std * rng.standard_normal((n_out, n_in))",
           expect="the transpose of"),
    Mutant("Xavier with the product of the fans",
           old="std = np.sqrt(2.0 / (n_in + n_out))", new="std = np.sqrt(2.0 / (n_in * n_out))",
           expect="not their product"),
    # --- further forward mistakes
    Mutant("W transposed in linear_forward",
           old="Z = A_prev @ W + b\n", new="Z = A_prev @ W.T + b\n",
           expect="W is used transposed"),
    Mutant("W @ A_prev (the column convention of the Coursera course)",
           old="Z = A_prev @ W + b\n", new="Z = W @ A_prev + b\n",
           expect=("column convention", "factors are in the wrong order")),
    Mutant("ReLU with np.max (a reduction) instead of np.maximum",
           old="A = np.maximum(Z, 0.0)", new="A = np.max(Z, 0)",
           expect="np.max(Z, 0) is a reduction"),
    Mutant("sigmoid's negative branch written as 1 / (1 + E)",
           old="E / (1.0 + E))", new="1.0 / (1.0 + E))",
           expect="your result is sigmoid(|Z|)"),
    Mutant("sigmoid with np.where over two exponentials (overflow in the discarded branch)",
           old="E = np.exp(-np.abs(Z))\n    return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))",
           new="return np.where(Z >= 0, 1.0 / (1.0 + np.exp(-Z)), np.exp(Z) / (1.0 + np.exp(Z)))",
           expect="not numerically stable"),
    Mutant("tanh branch computes the sigmoid",
           old="A = np.tanh(Z)", new="A = sigmoid(Z)",
           expect="is ignored"),
    Mutant("hidden layers use the sigmoid whatever hidden_activation says",
           old='hidden_activation if l < L else "sigmoid"', new='"sigmoid"',
           expect="the hidden layers must use hidden_activation"),
    Mutant("caches store the activation A instead of Z",
           old="caches.append((linear_cache, activation_cache))", new="caches.append((linear_cache, A))",
           expect="cache the pre-activation Z"),
    Mutant("number of layers taken as len(parameters)",
           old="    L = len(parameters) // 2\n    A = X", new="    L = len(parameters)\n    A = X",
           expect="len(parameters) // 2"),
    # --- further loss mistakes
    Mutant("BCE with log(A) in both terms",
           old="(1.0 - Y) * np.log(1.0 - A)))", new="(1.0 - Y) * np.log(A)))",
           expect="must use log(1 - a)"),
    Mutant("BCE clipped with a large eps (1e-3)",
           old="def binary_cross_entropy(AL, Y, eps=1e-12):", new="def binary_cross_entropy(AL, Y, eps=1e-3):",
           expect="small eps"),
    Mutant("BCE divided by Y.shape[1] (samples taken as columns)",
           old="return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))",
           new="return float(-np.sum(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)) / Y.shape[1])",
           expect="mean over the m samples"),
    # --- further backward mistakes
    Mutant("dW transposed (dZ.T @ A_prev)",
           old="dW = A_prev.T @ dZ", new="dW = dZ.T @ A_prev",
           expect=("not its transpose", "dZ.T @ A_prev")),
    Mutant("db summed over the units (axis=1)",
           old="db = dZ.sum(axis=0, keepdims=True)", new="db = dZ.sum(axis=1, keepdims=True)",
           expect="summed over axis 1"),
    Mutant("db averaged over the batch",
           old="db = dZ.sum(axis=0, keepdims=True)", new="db = dZ.mean(axis=0, keepdims=True)",
           expect="applies the 1/m twice"),
    Mutant("ReLU backward masks dA in place (dx = dout; dx[x <= 0] = 0)",
           old="        return dA * (Z > 0)", new="        dA[Z <= 0] = 0\n        return dA",
           expect="in place"),
    Mutant("tanh derivative (1 - tanh(Z))^2",
           old="return dA * (1.0 - np.tanh(Z) ** 2)", new="return dA * (1.0 - np.tanh(Z)) ** 2",
           expect="mind the parentheses"),
    Mutant("sigmoid derivative applied twice",
           old="return dA * s * (1.0 - s)", new="return dA * (s * (1.0 - s)) ** 2",
           expect="applied twice"),
    Mutant("ReLU mask taken from dA",
           old="return dA * (Z > 0)", new="return dA * (dA > 0)",
           expect="mask must come from Z"),
    Mutant("hidden derivative always the sigmoid's",
           old="dZ = activation_backward(dA_prev, Z_prev, hidden_activation)",
           new='dZ = activation_backward(dA_prev, Z_prev, "sigmoid")',
           expect="not of the sigmoid"),
    Mutant("hidden derivative missing in model_backward",
           old="dZ = activation_backward(dA_prev, Z_prev, hidden_activation)", new="dZ = dA_prev",
           expect="derivative is missing"),
    Mutant("m taken as AL.shape[1] (samples in columns)",
           old="m = AL.shape[0]", new="m = AL.shape[1]",
           expect="m = AL.shape[0]"),
    Mutant("backward loop stops before the first layer",
           old="for l in range(L, 0, -1):", new="for l in range(L, 1, -1):",
           expect="has no key"),
    Mutant("dA stored under the layer's own index",
           old='grads[f"dA{l - 1}"] = dA_prev', new='grads[f"dA{l}"] = dA_prev',
           expect="has no key"),
    # --- further update / predict mistakes
    Mutant("update moves the weights only",
           old="    for key in parameters:\n        parameters[key] -= learning_rate",
           new='    for key in [k for k in parameters if k.startswith("W")]:\n        parameters[key] -= learning_rate',
           expect="biases b1, b2, ... were not"),
    Mutant("update loops over grads (dA0 has no parameter)",
           old='    for key in parameters:\n        parameters[key] -= learning_rate * grads["d" + key]',
           new='    for key in grads:\n        parameters[key[1:]] -= learning_rate * grads[key]',
           expect="grads also holds the keys dA0"),
    Mutant("predict thresholds at 0",
           old="return (AL > 0.5).astype(int)", new="return (AL > 0).astype(int)",
           expect="not at 0"),
    Mutant("predict returns a flat vector",
           old="return (AL > 0.5).astype(int)", new="return (AL > 0.5).astype(int).ravel()",
           expect="keep the shape (m, 1)"),
    # --- further training-loop mistakes
    Mutant("one permutation drawn before the epoch loop",
           old="    rows = [record(0)]\n    for epoch in epoch_range:\n        order = rng.permutation(m)\n",
           new="    rows = [record(0)]\n    order = rng.permutation(m)\n    for epoch in epoch_range:\n",
           expect="same mini-batches as the first"),
    Mutant("generator re-created from the seed at every epoch",
           old="order = rng.permutation(m)", new="order = np.random.default_rng(seed).permutation(m)",
           expect="same mini-batches as the first"),
    Mutant("indices drawn with replacement",
           old="order = rng.permutation(m)", new="order = rng.integers(0, m, size=m)",
           expect="exactly once"),
    Mutant("mini-batch rows never sliced (whole X and Y at every step)",
           old="model_forward(X[idx], parameters", new="model_forward(X, parameters",
           also=(("model_backward(AL, Y[idx], caches", "model_backward(AL, Y, caches"),),
           expect="exactly once"),
    Mutant("history without the row before training",
           old="rows = [record(0)]", new="rows = []",
           expect="epochs + 1"),
    Mutant("accuracy recorded as a percentage",
           old='accuracy = float(np.mean((AL > 0.5) == (Y > 0.5)))',
           new='accuracy = 100 * float(np.mean((AL > 0.5) == (Y > 0.5)))',
           expect="not a percentage"),
    Mutant("batch_size ignored (always the full batch)",
           old="size = m if batch_size is None else int(batch_size)", new="size = m",
           expect="only one update per epoch"),
    # --- return conventions and other slips
    Mutant("linear_backward returns (dW, db, dA_prev)",
           old="return dA_prev, dW, db", new="return dW, db, dA_prev",
           expect="return (dA_prev, dW, db) in that order"),
    Mutant("activation_forward returns (Z, A)",
           old="return A, Z", new="return Z, A",
           expect="return (A, activation_cache) in that order"),
    Mutant("model_forward returns (caches, AL)",
           old="return A, caches", new="return caches, A",
           expect="return (AL, caches) in that order"),
    Mutant("BCE returns the per-sample losses",
           old="return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))",
           new="return -(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A))",
           expect="forget to average over the batch"),
    Mutant("update with the learning rate squared",
           old='parameters[key] -= learning_rate * grads["d" + key]',
           new='parameters[key] -= learning_rate ** 2 * grads["d" + key]',
           expect="instead of -learning_rate * dP"),
    Mutant("predict always uses ReLU hidden layers",
           old="AL, _ = model_forward(X, parameters, hidden_activation)\n    return (AL > 0.5)",
           new='AL, _ = model_forward(X, parameters, "relu")\n    return (AL > 0.5)',
           expect="pass its hidden_activation argument on"),
    Mutant("train shuffles the caller's X in place",
           old="order = rng.permutation(m)", new="order = np.arange(m)\n        rng.shuffle(X)",
           expect="modified its input argument #1 in place"),
]

# --- issue 15 held-out round (caught and named after the checks were extended)
MUTANTS += [
    Mutant("BCE as a sum of outer products np.dot(Y, log(A).T) (right only for m = 1)",
           old="return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))",
           new="return float(-np.sum(np.dot(Y, np.log(A).T) + np.dot(1.0 - Y, np.log(1.0 - A).T)) / Y.shape[0])",
           expect="(m, m) outer product"),
    Mutant("bias added as a column b.T in linear_forward",
           old="Z = A_prev @ W + b\n", new="Z = A_prev @ W + b.T\n",
           expect="bias is added as a column"),
    Mutant("dW doubled (an extra factor 2)",
           old="dW = A_prev.T @ dZ", new="dW = 2 * (A_prev.T @ dZ)",
           expect="expected one times 2"),
    Mutant("db returned as a column (transposed)",
           old="db = dZ.sum(axis=0, keepdims=True)", new="db = dZ.sum(axis=0, keepdims=True).T",
           expect="the transpose of b's shape"),
    Mutant("dA_prev computed column-wise as W @ dZ.T",
           old="dA_prev = dZ @ W.T", new="dA_prev = W @ dZ.T",
           expect="the transpose of A_prev"),
    Mutant("ReLU forward zeroes Z in place",
           old="A = np.maximum(Z, 0.0)", new="Z[Z < 0] = 0.0\n        A = Z",
           expect="modified its input argument #1 in place"),
    Mutant("sigmoid derivative at sigmoid(sigmoid(Z)) (the activation applied twice)",
           old="s = sigmoid(Z)\n        return dA * s * (1.0 - s)",
           new="s = sigmoid(sigmoid(Z))\n        return dA * s * (1.0 - s)",
           expect="evaluated at the activation sigmoid(Z)"),
    Mutant("activation_backward applied twice in model_backward",
           old="dZ = activation_backward(dA_prev, Z_prev, hidden_activation)",
           new="dZ = activation_backward(activation_backward(dA_prev, Z_prev, hidden_activation), Z_prev, "
               "hidden_activation)",
           expect="derivative of the hidden activation is applied twice"),
    Mutant("dA_L used as dZ_L (the output sigmoid's derivative skipped)",
           old="dZ = (AL - Y) / m", new="dZ = -(Y / AL - (1 - Y) / (1 - AL)) / m",
           expect="dZ_L is missing the sigmoid's derivative"),
    Mutant("squared-error gradient 2 (AL - Y) / m as dZ_L",
           old="dZ = (AL - Y) / m", new="dZ = 2 * (AL - Y) / m",
           expect="derivative of the squared error"),
    Mutant("model_forward forgets the output layer",
           old="for l in range(1, L + 1):\n        Z, linear_cache", new="for l in range(1, L):\n        Z, linear_cache",
           expect="is never applied"),
    Mutant("update_parameters scales grads in place",
           old='parameters[key] -= learning_rate * grads["d" + key]',
           new='grads["d" + key] *= learning_rate\n        parameters[key] -= grads["d" + key]',
           expect="modified grads"),
    Mutant("update_parameters reads db{l-1} (layer index off by one)",
           old='    for key in parameters:\n        parameters[key] -= learning_rate * grads["d" + key]',
           new='    for l in range(len(parameters) // 2):\n'
               '        parameters[f"W{l + 1}"] -= learning_rate * grads[f"dW{l + 1}"]\n'
               '        parameters[f"b{l + 1}"] -= learning_rate * grads[f"db{l}"]',
           expect="off by one"),
    Mutant("X and Y shuffled by two separate rng.shuffle calls",
           old="        order = rng.permutation(m)\n        for first in range(0, m, size):\n"
               "            idx = order[first:first + size]\n"
               "            AL, caches = model_forward(X[idx], parameters, hidden_activation)\n"
               "            grads = model_backward(AL, Y[idx], caches, hidden_activation)",
           new="        Xs, Ys = X.copy(), Y.copy()\n        rng.shuffle(Xs)\n        rng.shuffle(Ys)\n"
               "        for first in range(0, m, size):\n            idx = slice(first, first + size)\n"
               "            AL, caches = model_forward(Xs[idx], parameters, hidden_activation)\n"
               "            grads = model_backward(AL, Ys[idx], caches, hidden_activation)",
           expect="not those of the sampled rows"),
    Mutant("a new permutation for every mini-batch",
           old="idx = order[first:first + size]", new="idx = rng.permutation(m)[first:first + size]",
           expect="exactly once per epoch"),
    Mutant("last partial batch dropped by range(m // size)",
           old="for first in range(0, m, size):\n            idx = order[first:first + size]",
           new="for j in range(m // size):\n            idx = order[j * size:(j + 1) * size]",
           expect="last, smaller mini-batch is dropped"),
    Mutant("np.array_split into ceil(m / size) near-equal batches",
           old="for first in range(0, m, size):\n            idx = order[first:first + size]",
           new="for idx in np.array_split(order, -(-m // size)):",
           expect="the mini-batches have sizes"),
    Mutant("train copies the dict, not its arrays (a shallow copy)",
           old="parameters = {k: v.copy() for k, v in parameters.items()}", new="parameters = dict(parameters)",
           expect="modified the initial parameters"),
    Mutant("history recorded with model_forward's default hidden activation",
           old="        AL, _ = model_forward(X, parameters, hidden_activation)\n        accuracy",
           new="        AL, _ = model_forward(X, parameters)\n        accuracy",
           expect="this is the loss of the network run with the hidden activation"),
    Mutant("generator re-created from the seed for every layer",
           old="    parameters = {}\n    for l in range(1, len(layer_dims)):\n",
           new="    parameters = {}\n    for l in range(1, len(layer_dims)):\n        rng = np.random.default_rng(seed)\n",
           expect="re-created from the seed for every layer"),
]

# --- issue 15, second round (robustness beyond the held-out set)
MUTANTS += [
    Mutant("accuracy with the chained comparison AL > 0.5 == Y",
           old='accuracy = float(np.mean((AL > 0.5) == (Y > 0.5)))', new='accuracy = float(np.mean(AL > 0.5 == Y))',
           expect="chained comparison"),
    Mutant("update_parameters forgets to return",
           old='        parameters[key] -= learning_rate * grads["d" + key]\n    return parameters',
           new='        parameters[key] -= learning_rate * grads["d" + key]',
           expect="returned None"),
    Mutant("Xavier without the factor 2",
           old="std = np.sqrt(2.0 / (n_in + n_out))", new="std = np.sqrt(1.0 / (n_in + n_out))",
           expect="the factor 2 is missing"),
    Mutant("model_forward feeds X to every layer",
           old="Z, linear_cache = linear_forward(A, parameters", new="Z, linear_cache = linear_forward(X, parameters",
           expect="the previous layer's output"),
    Mutant("history accuracy from predict with its default activation",
           old='accuracy = float(np.mean((AL > 0.5) == (Y > 0.5)))',
           new='accuracy = float(np.mean(predict(X, parameters) == Y))',
           expect="this is the accuracy of the network run with the hidden activation"),
    Mutant("history loss = mean of the epoch's mini-batch losses",
           old="            parameters = update_parameters(parameters, grads, learning_rate)\n        rows.append(record(epoch))",
           new="            parameters = update_parameters(parameters, grads, learning_rate)\n"
               "            batch_losses.append(binary_cross_entropy(AL, Y[idx]))\n"
               "        rows.append({**record(epoch), \"loss\": float(np.mean(batch_losses))})",
           also=(("        order = rng.permutation(m)\n", "        order = rng.permutation(m)\n        batch_losses = []\n"),),
           expect=("shifted by one epoch", "not the loss of the last mini-batch")),
    Mutant("mini-batch slice one row short",
           old="idx = order[first:first + size]", new="idx = order[first:first + size - 1]",
           expect="were never used in the first epoch"),
    Mutant("epochs numbered from 0 after the row before training",
           old="    epoch_range = range(1, epochs + 1)\n", new="    epoch_range = range(epochs)\n",
           expect="history['epoch'] must be 0, 1"),
    Mutant("ReLU backward with np.maximum(dA, 0)",
           old="return dA * (Z > 0)", new="return np.maximum(dA, 0) * (Z > 0)",
           expect="dA is also masked"),
    Mutant("sigmoid backward dA * s without (1 - s)",
           old="return dA * s * (1.0 - s)", new="return dA * s",
           expect="the activation itself was multiplied"),
]

MUTANTS += [
    Mutant("predict with argmax over the single output column",
           old="return (AL > 0.5).astype(int)", new="return AL.argmax(axis=1).reshape(-1, 1)",
           expect="gives the label 0 to every sample"),
    Mutant("model_backward uses the last cache for every layer",
           old="        linear_cache, _ = caches[l - 1]\n", new="        linear_cache, _ = caches[-1]\n",
           expect="caches from the wrong layer"),
    Mutant("caches stored in reverse order",
           old="caches.append((linear_cache, activation_cache))", new="caches.insert(0, (linear_cache, activation_cache))",
           expect="caches are in reverse order"),
    Mutant("history accuracy measured on the last mini-batch",
           old="            parameters = update_parameters(parameters, grads, learning_rate)\n        rows.append(record(epoch))",
           new="            parameters = update_parameters(parameters, grads, learning_rate)\n"
               "        rows.append({**record(epoch), \"accuracy\": float(np.mean((AL > 0.5) == (Y[idx] > 0.5)))})",
           expect="history['accuracy'] must be measured on the whole data set"),
    Mutant("sigmoid as exp(Z) / (1 + exp(Z))",
           old="E = np.exp(-np.abs(Z))\n    return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))",
           new="return np.exp(Z) / (1.0 + np.exp(Z))",
           expect="not numerically stable"),
]

VARIANTS = [
    Variant("np.dot instead of @ in linear_forward", old="Z = A_prev @ W + b\n", new="Z = np.dot(A_prev, W) + b\n"),
    Variant("uniform initialisation with the same variance",
            old="parameters[f\"W{l}\"] = std * rng.standard_normal((n_in, n_out))",
            new="parameters[f\"W{l}\"] = rng.uniform(-np.sqrt(3.0) * std, np.sqrt(3.0) * std, (n_in, n_out))"),
    Variant("sigmoid through tanh",
            old="E = np.exp(-np.abs(Z))\n    return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))",
            new="return 0.5 * (1.0 + np.tanh(0.5 * Z))"),
    Variant("scipy.special.expit",
            old="E = np.exp(-np.abs(Z))\n    return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))",
            new="from scipy.special import expit\n    return expit(Z)"),
    Variant("ReLU as Z * (Z > 0) and its derivative with np.where",
            old="A = np.maximum(Z, 0.0)", new="A = Z * (Z > 0)",
            also=(("return dA * (Z > 0)", "return np.where(Z > 0, dA, 0.0)"),)),
    Variant("BCE via np.where (eps honoured; it was a fixed 1e-7 until round 9b: the docstring's eps must be used)",
            old="return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))",
            new="return float(-np.mean(np.where(Y == 1, np.log(np.clip(AL, eps, 1)), "
                "np.log(np.clip(1 - AL, eps, 1)))))"),
    Variant("db and dW with np.sum / np.dot",
            old="db = dZ.sum(axis=0, keepdims=True)", new="db = np.sum(dZ, axis=0).reshape(1, -1)",
            also=(("dW = A_prev.T @ dZ", "dW = np.dot(A_prev.T, dZ)"),)),
    Variant("no BCE+sigmoid simplification: dA_L, then the sigmoid derivative",
            old="dZ = (AL - Y) / m",
            new="dZ = activation_backward(-(Y / AL - (1 - Y) / (1 - AL)) / m, caches[-1][1], \"sigmoid\")"),
    Variant("out-of-place parameter update (a new dict)",
            old="    for key in parameters:\n        parameters[key] -= learning_rate * grads[\"d\" + key]\n    return parameters",
            new="    return {key: value - learning_rate * grads[\"d\" + key] for key, value in parameters.items()}"),
    Variant("mini-batches by np.array_split of the permutation",
            old="for first in range(0, m, size):\n            idx = order[first:first + size]",
            new="for idx in np.array_split(order, range(size, m, size)):"),
    # --- float32 building blocks and other correct ways
    Variant("linear_forward computed in float32",
            old="Z = A_prev @ W + b\n",
            new="Z = A_prev.astype(np.float32) @ W.astype(np.float32) + b.astype(np.float32)\n"),
    Variant("BCE computed in float32 with eps 1e-7",
            old="A = np.clip(AL, eps, 1.0 - eps)", new="A = np.clip(AL.astype(np.float32), max(eps, 1e-7), 1 - max(eps, 1e-7))"),
    Variant("tanh derivative computed in float32",
            old="return dA * (1.0 - np.tanh(Z) ** 2)",
            new="return (dA * (1.0 - np.tanh(Z.astype(np.float32)) ** 2)).astype(np.float32)"),
    Variant("sigmoid as the naive formula on a clipped Z",
            old="E = np.exp(-np.abs(Z))\n    return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))",
            new="return 1.0 / (1.0 + np.exp(-np.clip(Z, -500, 500)))"),
    Variant("He initialisation from a seeded RandomState",
            old="rng = np.random.default_rng(seed)\n    parameters = {}",
            new="rng = np.random.RandomState(seed)\n    parameters = {}"),
    Variant("update by an explicit loop over the layers",
            old='    for key in parameters:\n        parameters[key] -= learning_rate * grads["d" + key]',
            new='    for l in range(1, len(parameters) // 2 + 1):\n'
                '        parameters[f"W{l}"] = parameters[f"W{l}"] - learning_rate * grads[f"dW{l}"]\n'
                '        parameters[f"b{l}"] = parameters[f"b{l}"] - learning_rate * grads[f"db{l}"]'),
    Variant("predict with np.where", old="return (AL > 0.5).astype(int)", new="return np.where(AL > 0.5, 1, 0)"),
    Variant("order from the legacy global generator seeded once",
            old="rng = np.random.default_rng(seed)\n    epoch_range",
            new="np.random.seed(seed)\n    rng = np.random\n    epoch_range"),
    Variant("order by shuffling an index array in place",
            old="order = rng.permutation(m)", new="order = np.arange(m)\n        rng.shuffle(order)"),
    Variant("order by rng.choice without replacement",
            old="order = rng.permutation(m)", new="order = rng.choice(m, size=m, replace=False)"),
    Variant("a generator per epoch seeded with seed + epoch",
            old="order = rng.permutation(m)", new="order = np.random.default_rng(seed + epoch).permutation(m)"),
    Variant("batch size through `or`",
            old="size = m if batch_size is None else int(batch_size)", new="size = batch_size or m"),
    Variant("shuffled copies of X and Y per epoch, sliced in order",
            old="for first in range(0, m, size):\n            idx = order[first:first + size]",
            new="Xs, Ys = X[order], Y[order]\n        for first in range(0, m, size):\n"
                "            idx = slice(first, first + size)",
            also=(("model_forward(X[idx], parameters", "model_forward(Xs[idx], parameters"),
                  ("model_backward(AL, Y[idx], caches", "model_backward(AL, Ys[idx], caches"))),
    Variant("sigmoid through logaddexp", old="E = np.exp(-np.abs(Z))\n    return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))",
            new="return np.exp(-np.logaddexp(0.0, -Z))"),
    Variant("history as a dict of lists", old="return parameters, pd.DataFrame(rows)",
            new="return parameters, {k: [r[k] for r in rows] for k in rows[0]}"),
    Variant("linear_backward's dW in float32, returned as float64",
            old="dW = A_prev.T @ dZ", new="dW = (A_prev.astype(np.float32).T @ dZ.astype(np.float32)).astype(np.float64)"),
    # --- issue 15 held-out round
    Variant("tanh derivative as (1 - t)(1 + t)", old="return dA * (1.0 - np.tanh(Z) ** 2)",
            new="t = np.tanh(Z)\n        return dA * (1.0 - t) * (1.0 + t)"),
    Variant("naive sigmoid with the overflow warning silenced (the values are right)",
            old="E = np.exp(-np.abs(Z))\n    return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))",
            new="with np.errstate(over=\"ignore\"):\n        return 1.0 / (1.0 + np.exp(-Z))"),
    Variant("model_forward computed in float32", old="    L = len(parameters) // 2\n    A = X\n",
            new="    L = len(parameters) // 2\n    A = X.astype(np.float32)\n"),
    Variant("BCE with log1p", old="return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))",
            new="return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log1p(-A)))"),
    Variant("db as ones @ dZ", old="db = dZ.sum(axis=0, keepdims=True)", new="db = np.ones((1, dZ.shape[0])) @ dZ"),
    Variant("predict with np.round", old="return (AL > 0.5).astype(int)", new="return np.round(AL).astype(int)"),
    Variant("order from rng.permuted", old="order = rng.permutation(m)", new="order = rng.permuted(np.arange(m))"),
    Variant("update with np.subtract(out=)", old='parameters[key] -= learning_rate * grads["d" + key]',
            new='np.subtract(parameters[key], learning_rate * grads["d" + key], out=parameters[key])'),
    Variant("initialisation with rng.normal(0, std)", old="std * rng.standard_normal((n_in, n_out))",
            new="rng.normal(0.0, std, size=(n_in, n_out))"),
    Variant("tanh forward in float32", old="A = np.tanh(Z)", new="A = np.tanh(Z.astype(np.float32))"),
    Variant("linear_backward in float32",
            old="    A_prev, W, b = linear_cache\n",
            new="    A_prev, W, b = linear_cache\n"
                "    A_prev, W, dZ = A_prev.astype(np.float32), W.astype(np.float32), dZ.astype(np.float32)\n"),
    # --- issue 15, second round
    Variant("update with new arrays in the same dict", old='parameters[key] -= learning_rate * grads["d" + key]',
            new='parameters[key] = parameters[key] - learning_rate * grads["d" + key]'),
    Variant("model_backward with a 0-indexed loop",
            old='''    for l in range(L, 0, -1):
        linear_cache, _ = caches[l - 1]
        dA_prev, grads[f"dW{l}"], grads[f"db{l}"] = linear_backward(dZ, linear_cache)
        grads[f"dA{l - 1}"] = dA_prev
        if l > 1:
            _, Z_prev = caches[l - 2]''',
            new='''    for i in reversed(range(L)):
        l = i + 1
        linear_cache = caches[i][0]
        dA_prev, grads["dW" + str(l)], grads["db" + str(l)] = linear_backward(dZ, linear_cache)
        grads["dA" + str(i)] = dA_prev
        if i > 0:
            Z_prev = caches[i - 1][1]'''),
    Variant("linear_forward as (W.T A_prev.T).T", old="Z = A_prev @ W + b\n", new="Z = np.dot(W.T, A_prev.T).T + b\n"),
    Variant("ReLU backward by a masked copy", old="return dA * (Z > 0)",
            new="dZ = np.array(dA, copy=True)\n        dZ[Z <= 0] = 0\n        return dZ"),
    Variant("tanh from exponentials", old="A = np.tanh(Z)", new="A = (np.exp(Z) - np.exp(-Z)) / (np.exp(Z) + np.exp(-Z))"),
    Variant("BCE with 1e-8 added inside the logs",
            old="A = np.clip(AL, eps, 1.0 - eps)\n    return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))",
            new="d = max(eps, 1e-8)\n    return float(-np.mean(Y * np.log(AL + d) + (1.0 - Y) * np.log(1.0 - AL + d)))"),
    Variant("Xavier uniform", old="parameters[f\"W{l}\"] = std * rng.standard_normal((n_in, n_out))",
            new="parameters[f\"W{l}\"] = rng.uniform(-1, 1, (n_in, n_out)) * np.sqrt(3.0) * std"),
    Variant("history as a list of dicts", old="return parameters, pd.DataFrame(rows)", new="return parameters, rows"),
    Variant("ReLU with np.clip", old="A = np.maximum(Z, 0.0)", new="A = np.clip(Z, 0, None)"),
    Variant("model_backward on float32 AL and Y",
            old="    m = AL.shape[0]\n    L = len(caches)\n",
            new="    m = AL.shape[0]\n    L = len(caches)\n    AL, Y = AL.astype(np.float32), Y.astype(np.float32)\n"),
    Variant("weights drawn as (n_out, n_in), then transposed", old="std * rng.standard_normal((n_in, n_out))",
            new="std * rng.standard_normal((n_out, n_in)).T"),
]

# --- issue 15, third held-out round (measured on main before the checks were extended: see the helper's report)
MUTANTS += [
    # forgetting keepdims on db
    Mutant("db without keepdims (shape (n,))", old="db = dZ.sum(axis=0, keepdims=True)", new="db = dZ.sum(axis=0)",
           expect="sum with keepdims=True"),
    # ReLU derivative built in place in the cached Z
    Mutant("ReLU derivative written into the cached Z in place",
           old="return dA * (Z > 0)", new="Z[Z > 0] = 1.0\n        Z[Z <= 0] = 0.0\n        return dA * Z",
           expect="modified its input argument #2 in place"),
    # model_forward builds its own linear cache after A was overwritten (the layer's output cached)
    Mutant("model_forward caches the layer's output as A_prev",
           old="caches.append((linear_cache, activation_cache))",
           new='caches.append(((A, parameters[f"W{l}"], parameters[f"b{l}"]), activation_cache))',
           expect="it holds this layer's output A"),
    # output sigmoid only when there are hidden layers (L == 1 uses the hidden activation)
    Mutant("single-layer network uses the hidden activation at the output",
           old='hidden_activation if l < L else "sigmoid"', new='"sigmoid" if (l == L and L > 1) else hidden_activation',
           expect="the output layer must use the sigmoid"),
    # BCE clipped at the lower end only
    Mutant("BCE clipped only from below (np.clip(AL, eps, None))",
           old="A = np.clip(AL, eps, 1.0 - eps)", new="A = np.clip(AL, eps, None)", expect="clip AL on both sides"),
    # BCE in log10
    Mutant("BCE with np.log10", old="return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))",
           new="return float(-np.mean(Y * np.log10(A) + (1.0 - Y) * np.log10(1.0 - A)))", expect="instead of the natural logarithm"),
    # tanh derivative as 1/cosh (square forgotten)
    Mutant("tanh derivative dA / cosh(Z) (square forgotten)", old="return dA * (1.0 - np.tanh(Z) ** 2)",
           new="return dA / np.cosh(Z)", expect="a square is missing"),
    # update with momentum kept in module-level state
    Mutant("update_parameters with momentum in a module-level dict",
           old='def update_parameters(parameters, grads, learning_rate):',
           new='_VELOCITY = {}\n\n\ndef update_parameters(parameters, grads, learning_rate):',
           also=(('        parameters[key] -= learning_rate * grads["d" + key]',
                  '        v = 0.9 * _VELOCITY.get(key, 0.0) + grads["d" + key]\n'
                  '        _VELOCITY[key] = v\n        parameters[key] -= learning_rate * v'),),
           expect="keeps state between calls"),
    # model_backward: 1/m on dW, db only (dA_prev propagated without it)
    Mutant("model_backward: 1/m applied to dW and db, not to the propagated gradient",
           old='        dA_prev, grads[f"dW{l}"], grads[f"db{l}"] = linear_backward(dZ, linear_cache)',
           new='        dA_prev, dW, db = linear_backward(dZ, linear_cache)\n'
               '        grads[f"dW{l}"], grads[f"db{l}"] = dW / m, db / m',
           also=(("dZ = (AL - Y) / m", "dZ = AL - Y"),), expect="never reaches dA"),
    # model_backward pops the caller's caches list
    Mutant("model_backward consumes caches with pop()",
           old="        linear_cache, _ = caches[l - 1]\n", new="        linear_cache, _ = caches.pop()\n",
           also=(("_, Z_prev = caches[l - 2]", "_, Z_prev = caches[-1]"),), expect="changed the caches list"),
    # "random" initialisation with uniform [0, 1) (rand vs randn)
    Mutant("initialisation with rng.random (uniform in [0, 1), all positive)",
           old="std * rng.standard_normal((n_in, n_out))", new="std * rng.random((n_in, n_out))", expect="draw uniformly from [0, 1)"),
    # initialisation loop from 0 (layer_dims[-1] wraps around)
    Mutant("initialisation loop starts at l = 0 (W0 from layer_dims[-1])",
           old="for l in range(1, len(layer_dims)):", new="for l in range(len(layer_dims)):", expect="the layers are numbered 1 to L"),
    # predict standardises X in place
    Mutant("predict standardises X in place",
           old="AL, _ = model_forward(X, parameters, hidden_activation)\n    return (AL > 0.5)",
           new="X -= 0.0 * X.mean(axis=0)\n    X /= X.std(axis=0) + 1e-8\n"
               "    AL, _ = model_forward(X, parameters, hidden_activation)\n    return (AL > 0.5)",
           expect="modified its input argument #1 in place"),
    # train: mini-batches start at 1 (one sample per epoch skipped)
    Mutant("mini-batch loop starts at 1 (first shuffled sample skipped)",
           old="for first in range(0, m, size):", new="for first in range(1, m, size):",
           expect=("were never used in the epoch", "some mini-batches are skipped")),
    # train: seconds = time of the epoch only (timer reset)
    Mutant("history seconds measured per epoch (timer reset each epoch)",
           old="        order = rng.permutation(m)\n", new="        order = rng.permutation(m)\n        start = time.perf_counter()\n",
           also=(("    def record(epoch):", "    def record(epoch):\n        nonlocal start"),), expect="never decreases"),
    # train: learning rate decayed every epoch
    Mutant("train decays the learning rate every epoch",
           old="        rows.append(record(epoch))", new="        rows.append(record(epoch))\n        learning_rate *= 0.9",
           expect="something changes from one epoch to the next"),
    Mutant("linear_forward broadcasts b by reshaping it in place (b.shape = ...)",
           old="Z = A_prev @ W + b\n", new="b.shape = (-1,)\n    Z = A_prev @ W + b\n", expect="modified its input argument #3 in place"),
    # activation_forward relu computed in place on Z (returns Z as both)
    Mutant("relu forward with np.maximum(Z, 0, out=Z)",
           old="A = np.maximum(Z, 0.0)", new="A = np.maximum(Z, 0.0, out=Z)", expect="modified its input argument #1 in place"),
    # written after the fallbacks above, to try them on uncatalogued derivatives
    Mutant("sigmoid derivative s (1 + s)", old="return dA * s * (1.0 - s)", new="return dA * s * (1.0 + s)",
           expect="computes `1 + sigmoid(Z)`"),
    Mutant("leaky-ReLU derivative used for the ReLU", old="return dA * (Z > 0)",
           new="return dA * np.where(Z > 0, 1.0, 0.01)", expect="multiplied by the wrong local derivative"),
    Mutant("tanh derivative 1 - tanh(Z^2)", old="return dA * (1.0 - np.tanh(Z) ** 2)",
           new="return dA * (1.0 - np.tanh(Z ** 2))", expect="multiplied by the wrong local derivative"),
    Mutant("sigmoid derivative times the batch mean of dA", old="return dA * s * (1.0 - s)",
           new="return dA.mean(axis=0) * s * (1.0 - s)", expect="not the incoming gradient dA times a function of Z"),
]

VARIANTS += [
    Variant("linear_backward with np.einsum", old="dW = A_prev.T @ dZ", new="dW = np.einsum('mi,mj->ij', A_prev, dZ)",
            also=(("dA_prev = dZ @ W.T", "dA_prev = np.einsum('mj,ij->mi', dZ, W)"),)),
    Variant("linear_forward by a loop over rows", old="Z = A_prev @ W + b\n",
            new="Z = np.array([row @ W for row in A_prev]).reshape(len(A_prev), -1) + b\n"),
    Variant("train re-orders X, Y cumulatively each epoch",
            old="        for first in range(0, m, size):\n            idx = order[first:first + size]",
            new="        X, Y = X[order], Y[order]\n        for first in range(0, m, size):\n            idx = slice(first, first + size)"),
    Variant("sigmoid backward as s(Z) s(-Z)", old="s = sigmoid(Z)\n        return dA * s * (1.0 - s)",
            new="return dA * sigmoid(Z) * sigmoid(-Z)"),
    Variant("BCE as matrix products Y.T @ log(A)",
            old="return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))",
            new="m = Y.shape[0]\n    return -((Y.T @ np.log(A) + (1.0 - Y).T @ np.log(1.0 - A)).item()) / m"),
    Variant("update in place through an alias", old='        parameters[key] -= learning_rate * grads["d" + key]',
            new='        p = parameters[key]\n        p -= learning_rate * grads["d" + key]'),
    Variant("predict from the sign of Z_L", old="AL, _ = model_forward(X, parameters, hidden_activation)\n    return (AL > 0.5).astype(int)",
            new="_, caches = model_forward(X, parameters, hidden_activation)\n    return (caches[-1][1] > 0).astype(int)"),
    Variant("initialisation scales from a dict of lambdas",
            old="        if method == \"zeros\":\n            std = 0.0\n        elif method == \"random\":\n"
                "            std = 0.01\n        elif method == \"xavier\":\n"
                "            std = np.sqrt(2.0 / (n_in + n_out))\n        else:\n            std = np.sqrt(2.0 / n_in)\n",
            new="        std = {\"zeros\": lambda: 0.0, \"random\": lambda: 0.01, \"xavier\": lambda: (2.0 / (n_in + n_out)) ** 0.5,\n"
                "               \"he\": lambda: (2.0 / n_in) ** 0.5}[method]()\n"),
]

# Issue 15, fourth held-out round (probe first on the unchanged checks, then catalogued): the wrong term of a
# formula (formula.explain_formula: a sign in one term of the loss, parentheses missing in tanh' and Xavier's std),
# properties in plain words (layers left out of the update, a layer's activation read from its cache, history
# seconds from a raw clock, where the history stops, the batch size an update count implies, db's reduction).
MUTANTS += [
    Mutant("db summed over every axis (no axis)",
           "db = dZ.sum(axis=0, keepdims=True)", "db = dZ.sum(keepdims=True)", expect='dZ.sum(keepdims=True)'),
    Mutant("linear cache without b",
           "return Z, (A_prev, W, b)", "return Z, (A_prev, W)", expect='must return linear_cache = (A_prev, W, b)'),
    Mutant("activation_forward sigmoid branch naive (not the stable helper)",
           "        A = sigmoid(Z)\n    elif", "        A = 1.0 / (1.0 + np.exp(-Z))\n    elif", expect='not numerically stable'),
    Mutant("model_forward: last hidden layer gets the sigmoid (l < L - 1)",
           'hidden_activation if l < L else "sigmoid"', 'hidden_activation if l < L - 1 else "sigmoid"',
           expect='layer 2 (a hidden layer) applied sigmoid'),
    Mutant("BCE sign slip in the second term",
           "return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))",
           "return float(-np.mean(Y * np.log(A) - (1.0 - Y) * np.log(1.0 - A)))", expect='computes `y * log(a) - (1 - y) * log(1 - a)`'),
    Mutant("model_backward: m taken as the number of layers",
           "m = AL.shape[0]\n    L = len(caches)", "L = len(caches)\n    m = L", expect='you divided by L = len(caches) (the number of layers)'),
    Mutant("update_parameters skips the last layer (range off by one)",
           "    for key in parameters:\n        parameters[key] -= learning_rate * grads[\"d\" + key]",
           "    for l in range(1, len(parameters) // 2):\n        parameters[f\"W{l}\"] -= learning_rate * grads[f\"dW{l}\"]\n"
           "        parameters[f\"b{l}\"] -= learning_rate * grads[f\"db{l}\"]", expect='layer(s) [2] of 1..2 were not updated'),
    Mutant("predict returns a (1, m) row",
           "return (AL > 0.5).astype(int)", "return (AL > 0.5).astype(int).T", expect='expected shape (9, 1), got (1, 9)'),
    Mutant("train slices order[first:size] (first batch only right)",
           "idx = order[first:first + size]", "idx = order[first:size]", expect='order[first:first + batch_size]'),
    Mutant("train: batch size taken as the number of batches",
           "size = m if batch_size is None else int(batch_size)", "size = m if batch_size is None else m // int(batch_size)",
           expect='batch_size is the number of rows in a mini-batch'),
    Mutant("train returns inside the epoch loop",
           "        rows.append(record(epoch))\n    return parameters, pd.DataFrame(rows)",
           "        rows.append(record(epoch))\n        return parameters, pd.DataFrame(rows)", expect='the history stops after epoch 1'),
    Mutant("history seconds are absolute perf_counter values",
           '"seconds": time.perf_counter() - start}', '"seconds": time.perf_counter()}', expect='raw clock reading'),
    Mutant("initialisation loop misses the output layer",
           "for l in range(1, len(layer_dims)):", "for l in range(1, len(layer_dims) - 1):", expect="missing ['W3', 'b3']"),
    Mutant("Xavier precedence slip sqrt(2 / n_in + n_out)",
           "std = np.sqrt(2.0 / (n_in + n_out))", "std = np.sqrt(2.0 / n_in + n_out)", expect='computes `2 / n_in + n_out`'),
    Mutant("ReLU derivative via np.sign (negatives get -1)",
           "return dA * (Z > 0)", "return dA * np.sign(Z)", expect='-1 at Z ='),
    Mutant("tanh derivative precedence slip dA * 1 - tanh^2",
           "return dA * (1.0 - np.tanh(Z) ** 2)", "return dA * 1.0 - np.tanh(Z) ** 2", expect='computes `dA * 1 - tanh(Z) ** 2`'),
    Mutant("model_backward caches indexed from the end (caches[-l])",
           "        linear_cache, _ = caches[l - 1]", "        linear_cache, _ = caches[-l]", expect='caches from the wrong layer'),
    # a second fresh batch, written after the general fixes to see what they name unseen
    Mutant("sigmoid derivative s * (1 - dA)", "return dA * s * (1.0 - s)", "return dA * s * (1.0 - dA)",
           expect='computes `1 - dA`'),
    Mutant("BCE (1 - A) where (1 - Y) belongs", "return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))",
           "return float(-np.mean(Y * np.log(A) + (1.0 - A) * np.log(1.0 - A)))",
           expect='computes `1 - a`'),
    Mutant("He std sqrt(2) / n_in", "std = np.sqrt(2.0 / n_in)", "std = np.sqrt(2.0) / n_in",
           expect='computes `sqrt(2) / n_in`'),
    Mutant("predict inverted threshold", "return (AL > 0.5).astype(int)", "return (AL < 0.5).astype(int)",
           expect='labels are inverted'),
    Mutant("update step divided by the number of parameters", 'parameters[key] -= learning_rate * grads["d" + key]',
           'parameters[key] -= learning_rate * grads["d" + key] / len(parameters)',
           expect='every parameter moved by'),
    Mutant("train drops one sample per epoch", "order = rng.permutation(m)", "order = rng.permutation(m)[:-1]",
           expect='never used'),
    Mutant("linear_forward adds the bias summed", "Z = A_prev @ W + b\n", "Z = A_prev @ W + b.sum()\n",
           expect='one number, the sum of b, is added to every entry of Z'),
    # a third fresh batch, measured on the final code before being catalogued
    Mutant("relu forward leaky by habit", "A = np.maximum(Z, 0.0)", "A = np.maximum(Z, 0.0) + 0.01 * np.minimum(Z, 0.0)",
           expect='wrong for x < 0'),
    Mutant("BCE mean over axis 1", "return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))",
           "return -np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A), axis=1)",
           expect='must be a scalar'),
    Mutant("update with key.upper()", 'parameters[key] -= learning_rate * grads["d" + key]',
           'parameters[key] -= learning_rate * grads["d" + key.upper()]',
           expect="'dB1'"),
    Mutant("train divides the learning rate by the batch size", "= update_parameters(parameters, grads, learning_rate)",
           "= update_parameters(parameters, grads, learning_rate / len(idx))",
           expect='learning_rate / m'),
    Mutant("biases as columns (n_out, 1)", 'parameters[f"b{l}"] = np.zeros((1, n_out))', 'parameters[f"b{l}"] = np.zeros((n_out, 1))',
           expect='biases are rows'),
    Mutant("ReLU derivative times Z", "return dA * (Z > 0)", "return dA * (Z > 0) * Z",
           expect='the activation itself was multiplied'),
]

VARIANTS += [
    Variant("db via np.add.at",
            "db = dZ.sum(axis=0, keepdims=True)",
            "db = np.zeros_like(dZ[:1])\n    np.add.at(db, np.zeros(dZ.shape[0], dtype=int), dZ)"),
    Variant("Xavier std as sqrt(1 / mean fan)",
            "std = np.sqrt(2.0 / (n_in + n_out))", "std = np.sqrt(1.0 / ((n_in + n_out) / 2))"),
    Variant("BCE via np.where on the label",
            "return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))",
            "return float(np.mean(np.where(Y == 1, -np.log(A), -np.log(1.0 - A))))"),
    Variant("mini-batches by np.split at multiples of size",
            "        for first in range(0, m, size):\n            idx = order[first:first + size]\n",
            "        for idx in np.split(order, range(size, m, size)):\n"),
    Variant("linear_forward with einsum",
            "Z = A_prev @ W + b\n", "Z = np.einsum('mi,in->mn', A_prev, W) + b\n"),
    Variant("ReLU derivative with np.heaviside",
            "return dA * (Z > 0)", "return dA * np.heaviside(Z, 0)"),
]


# issue 15 round 5 (wt-f): the fresh mistakes and variants of the fifth held-out round
MUTANTS += [
    Mutant("L1 initialisation draws float32 weights",
           "std * rng.standard_normal((n_in, n_out))", "std * rng.standard_normal((n_in, n_out), dtype=np.float32)",
           expect="expected float64 (the docstring's float64 arrays)"),
    Mutant("L2 linear_forward caches Z instead of A_prev",
           "    Z = A_prev @ W + b\n    return Z, (A_prev, W, b)", "    Z = A_prev @ W + b\n    return Z, (Z, W, b)",
           expect='its A_prev entry holds something else'),
    Mutant("L3 activation_forward compares with 'ReLU' (case-sensitive)",
           '    elif activation == "relu":\n        A = np.maximum(Z, 0.0)',
           '    elif activation == "ReLU":\n        A = np.maximum(Z, 0.0)', expect="unknown activation 'relu'"),
    Mutant("L4 sigmoid clips Z in place before a naive formula",
           "    E = np.exp(-np.abs(Z))\n    return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))",
           "    np.clip(Z, -500, 500, out=Z)\n    return 1.0 / (1.0 + np.exp(-Z))", expect='modified its input Z in place'),
    Mutant("L5 model_forward: output layer handled separately, its cache not appended",
           '''    for l in range(1, L + 1):
        Z, linear_cache = linear_forward(A, parameters[f"W{l}"], parameters[f"b{l}"])
        A, activation_cache = activation_forward(Z, hidden_activation if l < L else "sigmoid")
        caches.append((linear_cache, activation_cache))
    return A, caches''',
           '''    for l in range(1, L):
        Z, linear_cache = linear_forward(A, parameters[f"W{l}"], parameters[f"b{l}"])
        A, activation_cache = activation_forward(Z, hidden_activation)
        caches.append((linear_cache, activation_cache))
    Z, linear_cache = linear_forward(A, parameters[f"W{L}"], parameters[f"b{L}"])
    AL, activation_cache = activation_forward(Z, "sigmoid")
    return AL, caches''', expect='caches must be a list with one entry per layer'),
    Mutant("L6 BCE log rule slip: log(1 - A) written log(1) - log(A)",
           "(1.0 - Y) * np.log(1.0 - A)))", "(1.0 - Y) * (np.log(1.0) - np.log(A))))", expect='right for samples with y = 1 but wrong for y = 0'),
    Mutant("L7 BCE second log uses the unclipped AL",
           "(1.0 - Y) * np.log(1.0 - A)))", "(1.0 - Y) * np.log(1.0 - AL)))", expect='not numerically stable at AL = 1 only'),
    Mutant("L8 linear_backward unpacks the cache in the wrong order",
           "    A_prev, W, b = linear_cache\n    dW = A_prev.T @ dZ", "    W, A_prev, b = linear_cache\n    dW = A_prev.T @ dZ",
           expect='unpacks linear_cache as if it were (W, A_prev, b)'),
    Mutant("L9 sigmoid derivative computed from sigmoid(dA)",
           "        s = sigmoid(Z)\n        return dA * s * (1.0 - s)", "        s = sigmoid(dA)\n        return dA * s * (1.0 - s)",
           expect='fit `dA * sigmoid(dA) * (1 - sigmoid(dA))`'),
    Mutant("L10 tanh branch forgets return (falls through to relu)",
           "        return dA * (1.0 - np.tanh(Z) ** 2)\n    if activation == \"relu\":",
           "        dZ = dA * (1.0 - np.tanh(Z) ** 2)\n    if activation == \"relu\" or activation == \"tanh\":",
           expect="It must be tanh'(Z) = 1 - tanh(Z)^2"),
    Mutant("L11 model_backward dZ_L with Y transposed (Coursera shapes)",
           "dZ = (AL - Y) / m", "dZ = (AL - Y.T) / m", expect='Your model_backward transposes Y'),
    Mutant("L12 model_backward grads keys 0-indexed (dW0, db0)",
           'dA_prev, grads[f"dW{l}"], grads[f"db{l}"] = linear_backward(dZ, linear_cache)',
           'dA_prev, grads[f"dW{l - 1}"], grads[f"db{l - 1}"] = linear_backward(dZ, linear_cache)', expect="grads has no key 'dW3'"),
    Mutant("L13 update_parameters updates grads instead of parameters (arguments mixed up)",
           'parameters[key] -= learning_rate * grads["d" + key]', 'grads["d" + key] -= learning_rate * parameters[key]',
           expect="modified grads['dW"),
    Mutant("L14 update_parameters adds the step to the biases (sign slip in one branch)",
           '        parameters[key] -= learning_rate * grads["d" + key]',
           '        if key.startswith("W"):\n            parameters[key] -= learning_rate * grads["d" + key]\n'
           '        else:\n            parameters[key] += learning_rate * grads["d" + key]', expect='the step goes uphill'),
    Mutant("L15 train: batch_size None gives online SGD (size 1)",
           "size = m if batch_size is None else int(batch_size)", "size = 1 if batch_size is None else int(batch_size)",
           expect='batch_size=None gives the same parameters as batch_size=1'),
    Mutant("L16 train: history loss with BCE arguments swapped",
           '"loss": binary_cross_entropy(AL, Y)', '"loss": binary_cross_entropy(Y, AL)',
           expect='the arguments are swapped; record binary_cross_entropy(AL, Y)'),
    Mutant("L17 train: history row appended after every mini-batch",
           "            parameters = update_parameters(parameters, grads, learning_rate)\n        rows.append(record(epoch))",
           "            parameters = update_parameters(parameters, grads, learning_rate)\n            rows.append(record(epoch))",
           expect='a row per mini-batch'),
    Mutant("L18 train: training forward with the default hidden activation",
           "AL, caches = model_forward(X[idx], parameters, hidden_activation)", "AL, caches = model_forward(X[idx], parameters)",
           expect="uses model_forward's default hidden activation 'relu'"),
]
VARIANTS += [
    Variant("W1 model_forward counts the layers by W keys",
            "    L = len(parameters) // 2\n    A = X\n", "    L = sum(1 for k in parameters if k.startswith(\"W\"))\n    A = X\n"),
    Variant("W2 train copies the parameters with copy.deepcopy",
            "parameters = {k: v.copy() for k, v in parameters.items()}", "import copy\n    parameters = copy.deepcopy(parameters)"),
    Variant("W3 linear_forward adds the bias in place on the new Z",
            "    Z = A_prev @ W + b\n    return Z, (A_prev, W, b)", "    Z = A_prev @ W\n    Z += b\n    return Z, (A_prev, W, b)"),
    Variant("W4 BCE by np.sum / m with maximum/minimum clipping",
            "    A = np.clip(AL, eps, 1.0 - eps)\n    return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))",
            "    A = np.minimum(np.maximum(AL, eps), 1.0 - eps)\n    m = Y.shape[0]\n"
            "    return float(-np.sum(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)) / m)"),
    Variant("W5 ReLU backward with np.where(Z > 0, dA, 0.0)",
            "return dA * (Z > 0)", "return np.where(Z > 0, dA, 0.0)"),
]
MUTANTS += [
    # Coursera C1W2 forum (dw with * instead of a dot product)
    Mutant("L19 dW with an elementwise product A_prev.T * dZ",
           "dW = A_prev.T @ dZ", "dW = A_prev.T * dZ", expect='An elementwise product * of a'),
    # Coursera C1W4 forum thread: dAL "corrected" to -(Y/AL + (1-Y)/(1-AL)), no sigmoid+BCE simplification
    Mutant("L20 dAL with the sign of the second term flipped, then the sigmoid derivative",
           "dZ = (AL - Y) / m", "dAL = -(Y / AL + (1 - Y) / (1 - AL))\n    dZ = dAL * AL * (1 - AL) / m",
           expect='your code computes `y / a + (1 - y) / (1 - a)` in its place'),
]


# issue 15 round 6 (r6-b): fresh held-out mistakes and variants, probed on the unchanged checks first
MUTANTS += [
    Mutant("Q1 initialize_parameters default method 'xavier'",
           'def initialize_parameters(layer_dims, method="he", seed=0):', 'def initialize_parameters(layer_dims, method="xavier", seed=0):',
           expect="yours behaves as method='xavier'"),
    Mutant("Q2 initialize_parameters 1-D biases np.zeros(n_out)",
           'parameters[f"b{l}"] = np.zeros((1, n_out))', 'parameters[f"b{l}"] = np.zeros(n_out)', expect='b1 has shape (5,)'),
    Mutant("Q3 sigmoid as 0.5 * (1 + tanh(Z)) (Z/2 forgotten)",
           "    E = np.exp(-np.abs(Z))\n    return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))",
           "    return 0.5 * (1.0 + np.tanh(Z))", expect='evaluated at 2*x instead of x'),
    Mutant("Q4 activation_backward sigmoid branch multiplies dA in place",
           "        return dA * s * (1.0 - s)", "        dA *= s * (1.0 - s)\n        return dA", expect='modified its input argument #1 in place'),
    Mutant("Q5 activation_backward compares with 'Tanh' (capitalised)",
           '    if activation == "tanh":\n        return dA * (1.0 - np.tanh(Z) ** 2)',
           '    if activation == "Tanh":\n        return dA * (1.0 - np.tanh(Z) ** 2)',
           expect="your code rejected 'tanh', one of the documented values"),
    Mutant("Q6 linear_backward dA_prev = dZ @ dW.T (dW in place of W)",
           "    dA_prev = dZ @ W.T\n    return dA_prev, dW, db", "    dA_prev = dZ @ dW.T\n    return dA_prev, dW, db",
           expect='W is not used where the formula needs it'),
    Mutant("Q7 BCE clips Y and uses AL as the label (arguments mixed up)",
           "    A = np.clip(AL, eps, 1.0 - eps)\n    return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))",
           "    A = np.clip(Y, eps, 1.0 - eps)\n    return float(-np.mean(AL * np.log(A) + (1.0 - AL) * np.log(1.0 - A)))",
           expect='y and a are swapped'),
    Mutant("Q8 BCE clips AL in place (out=AL)",
           "    A = np.clip(AL, eps, 1.0 - eps)\n", "    A = np.clip(AL, eps, 1.0 - eps, out=AL)\n",
           expect='modified its input argument #1 in place'),
    Mutant("Q9 model_backward hard-codes the ReLU derivative for hidden layers",
           "dZ = activation_backward(dA_prev, Z_prev, hidden_activation)", 'dZ = activation_backward(dA_prev, Z_prev, "relu")',
           expect="the hidden layers' derivative is that of 'relu'"),
    Mutant("Q10 model_backward subtracts Y from AL in place",
           "    dZ = (AL - Y) / m\n", "    AL -= Y\n    dZ = AL / m\n", expect='modified its input argument #1 in place'),
    Mutant("Q11 update_parameters pairs keys with grads.values() (zip misaligned)",
           '    for key in parameters:\n        parameters[key] -= learning_rate * grads["d" + key]',
           '    for key, g in zip(parameters, grads.values()):\n        parameters[key] -= learning_rate * g',
           expect='zip(parameters, grads.values())'),
    Mutant("Q12 model_forward default hidden_activation 'tanh'",
           'def model_forward(X, parameters, hidden_activation="relu"):', 'def model_forward(X, parameters, hidden_activation="tanh"):',
           expect="yours behaves as hidden_activation='tanh'"),
    Mutant("Q13 train runs one epoch short (range(1, epochs))",
           "epoch_range = range(1, epochs + 1)", "epoch_range = range(1, epochs)", expect='range(1, epochs)'),
    Mutant("Q14 train backward with the whole Y (targets not sliced)",
           "grads = model_backward(AL, Y[idx], caches, hidden_activation)", "grads = model_backward(AL, Y, caches, hidden_activation)",
           expect='not Y[idx] of the rows X[idx] drawn by the permutation'),
    Mutant("Q15 activation_backward tanh derivative sign slip 1 + tanh^2",
           "return dA * (1.0 - np.tanh(Z) ** 2)", "return dA * (1.0 + np.tanh(Z) ** 2)", expect='your code computes `1 + tanh(Z) ** 2` in its place'),
    Mutant("Q16 linear_backward db summed over the batch of A_prev instead of dZ",
           "    db = dZ.sum(axis=0, keepdims=True)", "    db = A_prev.sum(axis=0, keepdims=True)",
           expect='dZ is not used where the formula needs it'),

    Mutant("T1 linear_backward dW divided by the number of units",
           "    dW = A_prev.T @ dZ\n", "    dW = A_prev.T @ dZ / dZ.shape[1]\n", expect='times 0.25 = (1)/(n)'),
    Mutant("T2 linear_backward db adds the bias",
           "    db = dZ.sum(axis=0, keepdims=True)", "    db = dZ.sum(axis=0, keepdims=True) + b",
           expect='your result changes with b, which the expected result does not depend on'),
    Mutant("T3 model_forward uses b1 for every layer (typo)",
           'parameters[f"W{l}"], parameters[f"b{l}"])', 'parameters[f"W{l}"], parameters["b1"])',
           expect='b2 and b3 are not used where the formula needs them'),
    Mutant("T4 BCE mean of the first term, sum of the second",
           "    return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))",
           "    return float(-(np.mean(Y * np.log(A)) + np.sum((1.0 - Y) * np.log(1.0 - A))))",
           expect='that term is summed over the samples instead of averaged'),
    Mutant("T5 model_backward stores dZ under dA",
           '        grads[f"dA{l - 1}"] = dA_prev\n', '        grads[f"dA{l - 1}"] = dZ\n', expect="grads['dA2'] holds dZ3"),
    Mutant("T6 train permutes m - 1 indices (last sample never used)",
           "order = rng.permutation(m)", "order = rng.permutation(m - 1)", expect='samples were never used in the epoch'),

]
VARIANTS += [
    Variant("QV1 activation_forward dispatches on activation.lower()",
            '    if activation == "sigmoid":\n        A = sigmoid(Z)\n    elif activation == "tanh":\n'
            '        A = np.tanh(Z)\n    elif activation == "relu":',
            '    kind = activation.lower()\n    if kind == "sigmoid":\n        A = sigmoid(Z)\n    elif kind == "tanh":\n'
            '        A = np.tanh(Z)\n    elif kind == "relu":'),
    Variant("QV2 train orders by argsort of uniform draws",
            "order = rng.permutation(m)", "order = np.argsort(rng.random(m))"),
    Variant("QV3 linear_backward dA_prev column-wise then transposed back",
            "    dA_prev = dZ @ W.T\n", "    dA_prev = (W @ dZ.T).T\n"),
    Variant("QV4 train mini-batches by np.array_split at multiples of size",
            "        for first in range(0, m, size):\n            idx = order[first:first + size]\n",
            "        for idx in np.array_split(order, range(size, m, size)):\n"),
    Variant("QV5 BCE with np.mean of a where-selected log",
            "    return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))",
            "    return float(-np.log(np.where(Y == 1, A, 1.0 - A)).mean())"),

    Variant("TV1 BCE as -mean(log(Y*A + (1-Y)*(1-A)))",
            "    return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))",
            "    return float(-np.mean(np.log(Y * A + (1.0 - Y) * (1.0 - A))))"),
    Variant("TV2 tanh derivative (1 - t)(1 + t) in activation_backward",
            "return dA * (1.0 - np.tanh(Z) ** 2)", "t = np.tanh(Z)\n        return dA * (1.0 - t) * (1.0 + t)"),
]

# round 6, third held-out set (measured after the general fixes, then catalogued)
MUTANTS += [
    Mutant("P1 initialize_parameters He with the Xavier denominator",
           "            std = np.sqrt(2.0 / n_in)\n", "            std = np.sqrt(2.0 / (n_in + n_out))\n",
           expect='He uses std = sqrt(2 / n_{l-1}), not the Xavier'),
    Mutant("P2 activation_backward sigmoid branch with the tanh derivative form 1 - s**2",
           "        return dA * s * (1.0 - s)", "        return dA * (1.0 - s ** 2)", expect='your code computes `dA * (1 + A)` in its place'),
    Mutant("P3 train records the history before each epoch's updates",
           "    for epoch in epoch_range:\n        order = rng.permutation(m)\n",
           "    for epoch in epoch_range:\n        rows.append(record(epoch))\n        order = rng.permutation(m)\n",
           also=(("            parameters = update_parameters(parameters, grads, learning_rate)\n        rows.append(record(epoch))\n",
                  "            parameters = update_parameters(parameters, grads, learning_rate)\n"),), expect='yours is shifted by one epoch'),
    Mutant("P4 linear_backward dW adds W (a weight-decay habit)",
           "    dW = A_prev.T @ dZ\n", "    dW = A_prev.T @ dZ + W\n",
           expect='your result changes with W, which the expected result does not depend on'),

]
VARIANTS += [
    Variant("PV1 BCE with log(A + eps) instead of clipping",
            "    A = np.clip(AL, eps, 1.0 - eps)\n    return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))",
            "    return float(-np.mean(Y * np.log(AL + eps) + (1.0 - Y) * np.log(1.0 - AL + eps)))"),
]

# round 7: the round-6 measurement's misses (wrong cause, blast, uncaught), fixed and catalogued
MUTANTS += [
    Mutant('R7 K1 He std sqrt(2 // n_in) (integer division -> 0)',
           'std = np.sqrt(2.0 / n_in)',
           'std = np.sqrt(2 // n_in)',
           expect='integer division 2 // n_in'),
    Mutant('R7 K2 linear_forward parenthesis slip A_prev @ (W + b)',
           'Z = A_prev @ W + b\n',
           'Z = A_prev @ (W + b)\n',
           expect='the bias is added to W before the product'),
    Mutant('R7 K3 sigmoid helper branches swapped (E/(1+E) for Z >= 0)',
           'return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))',
           'return np.where(Z >= 0, E / (1.0 + E), 1.0 / (1.0 + E))',
           expect='the branches are swapped'),
    Mutant('R7 K4 model_forward feeds the pre-activation Z of hidden layers to the next layer',
           '        caches.append((linear_cache, activation_cache))\n    return A, caches',
           '        caches.append((linear_cache, activation_cache))\n        if l < L:\n            A = Z\n    return A, caches',
           expect="is fed layer 1's pre-activation Z_1"),
    Mutant('R7 K5 BCE mean divided by m again',
           'return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))',
           'return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)) / AL.shape[0])',
           expect='the loss is divided by m twice'),
    Mutant('R7 K7 linear_backward dW by a loop over samples missing the last one',
           'dW = A_prev.T @ dZ\n',
           'dW = np.zeros_like(W)\n    for i in range(dZ.shape[0] - 1):\n        dW += np.outer(A_prev[i], dZ[i])\n',
           expect='leaves out sample(s) [4]'),
    Mutant("R7 K8 activation_backward `if activation == 'sigmoid' or 'tanh'` (always true)",
           '    if activation == "sigmoid":\n        s = sigmoid(Z)\n        return dA * s * (1.0 - s)',
           '    if activation == "sigmoid" or "tanh":\n        s = sigmoid(Z)\n        return dA * s * (1.0 - s)',
           expect='your code uses the derivative of sigmoid'),
    Mutant('R7 K11 update_parameters returns inside the loop (first key only)',
           '        parameters[key] -= learning_rate * grads["d" + key]\n    return parameters',
           '        parameters[key] -= learning_rate * grads["d" + key]\n        return parameters',
           expect='only W1 (the first key of parameters) was updated'),
    Mutant('R7 K12 predict applies the sigmoid again to AL',
           'return (AL > 0.5).astype(int)',
           'return (sigmoid(AL) > 0.5).astype(int)',
           expect='not sigmoid(AL) > 0.5'),
    Mutant('R7 K13 train history without the seconds column',
           'return parameters, pd.DataFrame(rows)',
           'return parameters, pd.DataFrame(rows, columns=["epoch", "loss", "accuracy"])',
           expect="history has no column 'seconds'"),
    Mutant('R7 K14 train backward with the default hidden activation',
           'grads = model_backward(AL, Y[idx], caches, hidden_activation)',
           'grads = model_backward(AL, Y[idx], caches)',
           expect="uses model_backward's default hidden activation"),
    Mutant('R7 K17 BCE mean over axis 0 returns a (1,) array',
           'return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))',
           'return -np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A), axis=0)',
           expect='returned an array of shape (1,), not a number'),
]

# round 7, fresh held-out set (measured before the fixes, then catalogued)
MUTANTS += [
    Mutant('R7 N1 biases shaped (1, n_in)',
           'parameters[f"b{l}"] = np.zeros((1, n_out))',
           'parameters[f"b{l}"] = np.zeros((1, n_in))',
           expect="sized by the layer's INPUT"),
    Mutant('R7 N2 Xavier std sqrt(6 / (n_in + n_out)) (the uniform bound used as a normal std)',
           'std = np.sqrt(2.0 / (n_in + n_out))',
           'std = np.sqrt(6.0 / (n_in + n_out))',
           expect='the bound a of the uniform distribution'),
    Mutant('R7 N3 linear_backward dW from the batch sums (sum A_prev)^T (sum dZ)',
           'dW = A_prev.T @ dZ\n',
           'dW = A_prev.sum(axis=0, keepdims=True).T @ dZ.sum(axis=0, keepdims=True)\n',
           expect='dW is the product of the batch sums'),
    Mutant('R7 N4 model_backward stores dW under db (copy-paste slip)',
           'dA_prev, grads[f"dW{l}"], grads[f"db{l}"] = linear_backward(dZ, linear_cache)',
           'dA_prev, dW, db = linear_backward(dZ, linear_cache)\n        grads[f"dW{l}"], grads[f"db{l}"] = dW, dW',
           expect="grads['db3'] holds the value of dW3"),
    Mutant('R7 N5 model_backward averages AL - Y over the batch (dZ_L of shape (1, 1))',
           'dZ = (AL - Y) / m',
           'dZ = np.mean(AL - Y, axis=0, keepdims=True)',
           expect='gives the right gradients for a batch of one'),
    Mutant("N6 update_parameters looks grads up by key.replace('W', 'dW') (biases: KeyError)",
           'parameters[key] -= learning_rate * grads["d" + key]',
           'parameters[key] -= learning_rate * grads[key.replace("W", "dW")]',
           expect="the gradient of b1 is grads['db1']"),
    Mutant('R7 N7 train runs epochs + 1 epochs',
           'epoch_range = range(1, epochs + 1)',
           'epoch_range = range(1, epochs + 2)',
           expect='one epoch too many'),
    Mutant('R7 N8 train history only before and after training',
           '        rows.append(record(epoch))\n    return parameters',
           '    rows.append(record(epochs))\n    return parameters',
           expect='append a row after EVERY epoch'),
    Mutant('R7 N9 model_backward feeds the top dA to every hidden layer',
           'dZ = activation_backward(dA_prev, Z_prev, hidden_activation)',
           'dZ = activation_backward(grads[f"dA{L - 1}"], Z_prev, hidden_activation)',
           expect="layer 1 was given grads['dA2'] instead of grads['dA1']"),
]
VARIANTS += [
    Variant('R7 NV1 linear_forward np.matmul with b.reshape(1, -1)',
            'Z = A_prev @ W + b\n',
            'Z = np.matmul(A_prev, W) + b.reshape(1, -1)\n'),
    Variant('R7 NV2 BCE mean over axis 0 then [0] (a numpy float)',
            'return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))',
            'return -np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A), axis=0)[0]'),
    Variant('R7 NV3 tanh derivative dA / cosh(Z)**2',
            'return dA * (1.0 - np.tanh(Z) ** 2)',
            'return dA / np.cosh(Z) ** 2'),
    Variant('R7 NV4 predict by argmax over [1 - AL, AL]',
            'return (AL > 0.5).astype(int)',
            'return np.argmax(np.hstack([1 - AL, AL]), axis=1).reshape(-1, 1)'),
]
MUTANTS += [
    Mutant('R7 K10 model_backward calls activation_backward(Z, dA) (arguments swapped)',
           'dZ = activation_backward(dA_prev, Z_prev, hidden_activation)',
           'dZ = activation_backward(Z_prev, dA_prev, hidden_activation)',
           expect='called with its first two arguments swapped'),
]
MUTANTS += [
    Mutant("R8 B15 predict loops over AL.shape[1] (Coursera's column layout)",
           "return (AL > 0.5).astype(int)",
           "p = np.zeros((AL.shape[0], 1), dtype=int)\n    for i in range(AL.shape[1]):\n        p[i, 0] = 1 if AL[i, 0] > 0.5 else 0\n    return p",
           expect="only the first sample gets its label"),
    Mutant("R8 B16 train stops early when the loss goes up",
           "        rows.append(record(epoch))\n",
           "        rows.append(record(epoch))\n        if rows[-1][\"loss\"] > rows[-2][\"loss\"]:\n            break\n",
           expect="no early stopping when the loss rises"),
    Mutant("R8 B17 train history loss of the 0/1 predictions instead of the probabilities",
           '"loss": binary_cross_entropy(AL, Y)', '"loss": binary_cross_entropy((AL > 0.5).astype(float), Y)',
           expect="is the loss of the 0/1 labels"),
    Mutant("R8 B21 BCE as the mean over the positives plus the mean over the negatives (class-balanced)",
           "return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))",
           "pos, neg = Y[:, 0] == 1, Y[:, 0] == 0\n    return float(-np.mean(np.log(A[pos])) - np.mean(np.log(1.0 - A[neg])))",
           expect="a class-balanced loss"),
    Mutant("R8 B23 model_backward grads dict as a mutable default argument (one dict for every call)",
           'def model_backward(AL, Y, caches, hidden_activation="relu"):',
           'def model_backward(AL, Y, caches, hidden_activation="relu", grads={}):',
           also=(("    L = len(caches)\n    grads = {}\n", "    L = len(caches)\n"),),
           expect="the grads dict outlives the call"),
    Mutant("R8 B6 BCE np.clip bounds swapped (clip(AL, 1 - eps, eps))",
           "A = np.clip(AL, eps, 1.0 - eps)", "A = np.clip(AL, 1.0 - eps, eps)",
           expect="with its bounds swapped"),
    Mutant("R8 B14 update_parameters clips the gradients to [-1, 1]",
           'parameters[key] -= learning_rate * grads["d" + key]',
           'parameters[key] -= learning_rate * np.clip(grads["d" + key], -1, 1)',
           expect="the gradients are clipped to [-1, 1]"),
]
MUTANTS += [
    Mutant("R8 B18 train flattens the batch targets (Y[idx].ravel())",
           "grads = model_backward(AL, Y[idx], caches, hidden_activation)",
           "grads = model_backward(AL, Y[idx].ravel(), caches, hidden_activation)",
           expect="the loop flattens the batch's targets"),
]
MUTANTS += [
    Mutant("R8 B22 train calls model_backward(Y, AL, ...) (arguments swapped)",
           "grads = model_backward(AL, Y[idx], caches, hidden_activation)",
           "grads = model_backward(Y[idx], AL, caches, hidden_activation)",
           expect="gradient ASCENT"),
]

# Issue 15 round 9 (r9b): held-out mistakes and variants, catalogued after their messages were made to name them.
MUTANTS += [
    Mutant('R9 F1 Xavier fans read one layer ahead (layer_dims[l] + layer_dims[l + 1])', 'std = np.sqrt(2.0 / (n_in + n_out))', 'std = np.sqrt(2.0 / (layer_dims[l] + layer_dims[l + 1]))',
           expect='reads an index past the end of layer_dims'),
    Mutant("R9 F2 linear_forward einsum 'ij,kj->ik' (W read as (n, n_prev))", '    Z = A_prev @ W + b\n    return Z, (A_prev, W, b)', "    Z = np.einsum('ij,kj->ik', A_prev, W) + b\n    return Z, (A_prev, W, b)",
           expect='W is used transposed'),
    Mutant('R9 F3 activation_forward tanh written into Z (np.tanh(Z, out=Z))', 'A = np.tanh(Z)', 'A = np.tanh(Z, out=Z)',
           expect='modified its input argument #1 in place'),
    Mutant('R9 F4 BCE via np.where with log(A - 1) for the negatives (sign slip)', 'return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))', 'return float(np.mean(np.where(Y == 1, -np.log(A), -np.log(A - 1.0))))',
           expect='a log of a negative number'),
    Mutant("R9 F5 linear_backward dW by einsum 'ij,ik->kj' (transposed)", 'dW = A_prev.T @ dZ', "dW = np.einsum('ij,ik->kj', A_prev, dZ)",
           expect='its transpose'),
    Mutant('R9 F6 activation_backward sigmoid derivative exp(-Z) / (1 + exp(-Z))**2 (overflows)', 's = sigmoid(Z)\n        return dA * s * (1.0 - s)', 'return dA * np.exp(-Z) / (1.0 + np.exp(-Z)) ** 2',
           expect='the derivative of a saturated unit is 0'),
    Mutant('R9 F7 model_forward hidden activation on every layer, then the sigmoid on top', 'A, activation_cache = activation_forward(Z, hidden_activation if l < L else "sigmoid")', 'A, activation_cache = activation_forward(Z, hidden_activation)\n        if l == L:\n            A = sigmoid(A)',
           expect='computes sigmoid(tanh(Z_'),
    Mutant('R9 F8 model_backward reverses the caches list in place', '    L = len(caches)\n    grads = {}', '    L = len(caches)\n    caches.reverse()\n    caches = caches[::-1]\n    grads = {}',
           expect='changed the order of the caches list'),
    Mutant('R9 F9 update_parameters zeroes the gradients after the step (zero_grad habit)', '        parameters[key] -= learning_rate * grads["d" + key]', '        parameters[key] -= learning_rate * grads["d" + key]\n        grads["d" + key][...] = 0',
           expect="modified grads['dW"),
    Mutant('R9 F10 predict thresholds the last pre-activation Z_L at 0.5', '    AL, _ = model_forward(X, parameters, hidden_activation)\n    return (AL > 0.5).astype(int)', '    AL, caches = model_forward(X, parameters, hidden_activation)\n    return (caches[-1][1] > 0.5).astype(int)',
           expect='not the pre-activation Z_L'),
    Mutant('R9 F11 train pairs Y with the inverse permutation (Y[np.argsort(order)])', '            AL, caches = model_forward(X[idx], parameters, hidden_activation)\n            grads = model_backward(AL, Y[idx], caches, hidden_activation)', '            AL, caches = model_forward(X[idx], parameters, hidden_activation)\n            grads = model_backward(AL, Y[np.argsort(order)][first:first + size], caches, hidden_activation)',
           expect='not those of the'),
    Mutant('R9 F12 train re-initialises the parameters (He, seed) instead of starting from the given ones', "    parameters = {k: v.copy() for k, v in parameters.items()}   # the caller's stay untouched", '    dims = [X.shape[1]] + [parameters[f"W{l}"].shape[1] for l in range(1, len(parameters) // 2 + 1)]\n    parameters = initialize_parameters(dims, "he", seed=seed)',
           expect='whatever initial parameters train is given'),
    Mutant('R9 F13 train online branch indexes single rows X[i] (1-D samples)', '        for first in range(0, m, size):\n            idx = order[first:first + size]', '        for first in range(0, m, size):\n            idx = order[first] if size == 1 else order[first:first + size]',
           expect='picks the sample with an integer'),
    Mutant('R9 F15 model_backward dZ_L = (AL - Y) / m with m = Y.sum() (positives counted)', '    m = AL.shape[0]', '    m = Y.sum()',
           expect='you divided by Y.sum()'),
    Mutant('R9 F16 linear_backward db summed over the batch with np.add.reduce over axis 1', 'db = dZ.sum(axis=0, keepdims=True)', 'db = np.add.reduce(dZ, axis=1, keepdims=True).T',
           expect='then transposed'),
]
VARIANTS += [
    Variant('R9 FV2 linear_backward dW = dot(dZ.T, A_prev).T', 'dW = A_prev.T @ dZ', 'dW = np.dot(dZ.T, A_prev).T'),
    Variant('R9 FV3 BCE with scipy.special.xlogy on the clipped A', 'return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))', 'from scipy.special import xlogy\n    return float(-np.mean(xlogy(Y, A) + xlogy(1.0 - Y, 1.0 - A)))'),
    Variant('R9 FV4 activation_backward with a match statement', '    Z = activation_cache\n    if activation == "sigmoid":\n        s = sigmoid(Z)\n        return dA * s * (1.0 - s)\n    if activation == "tanh":\n        return dA * (1.0 - np.tanh(Z) ** 2)\n    if activation == "relu":\n        return dA * (Z > 0)\n', '    Z = activation_cache\n    match activation:\n        case "sigmoid":\n            s = sigmoid(Z)\n            return dA * s * (1.0 - s)\n        case "tanh":\n            return dA * (1.0 - np.tanh(Z) ** 2)\n        case "relu":\n            return dA * (Z > 0)\n'),
    Variant('R9 FV5 train full batch without drawing a permutation', '        order = rng.permutation(m)', '        order = np.arange(m) if size >= m else rng.permutation(m)'),
    Variant('R9 FV6 predict (AL > 0.5).astype(np.int64) via np.greater', 'return (AL > 0.5).astype(int)', 'return np.greater(AL, 0.5).astype(np.int64)'),
]

# Issue 15 round 9 (r9b), second fresh set: mistakes and variants written after the first fixes, to test that the new general mechanisms name them.
MUTANTS += [
    Mutant('R9 H1 activation_backward tanh derivative averaged over the batch', 'return dA * (1.0 - np.tanh(Z) ** 2)', 'return dA * (1.0 - np.tanh(Z) ** 2).mean(axis=0, keepdims=True)',
           expect='the batch is combined'),
    Mutant('R9 H6 update_parameters empties grads after the step', '    for key in parameters:\n        parameters[key] -= learning_rate * grads["d" + key]\n    return parameters', '    for key in parameters:\n        parameters[key] -= learning_rate * grads["d" + key]\n    grads.clear()\n    return parameters',
           expect='removed keys from grads'),
    Mutant("R9 H9 train uses the notebook's initial parameters p0 (global)", "    parameters = {k: v.copy() for k, v in parameters.items()}   # the caller's stay untouched", '    parameters = {k: v.copy() for k, v in p0.items()}',
           expect='neither one of its arguments nor defined inside it'),
    Mutant('R9 H10 linear_backward db as dZ.mean(axis=0) * m written with the wrong m (A_prev.shape[1])', 'db = dZ.sum(axis=0, keepdims=True)', 'db = dZ.mean(axis=0, keepdims=True) * A_prev.shape[1]',
           expect='your result is the expected one times'),
]
VARIANTS += [
    Variant('R9 HV7 model_backward walks a reversed copy of the caches', '    L = len(caches)\n    grads = {}', '    L = len(caches)\n    rev = caches[::-1]\n    grads = {}', also=(('        linear_cache, _ = caches[l - 1]', '        linear_cache, _ = rev[L - l]'),)),
]

# Issue 15 round 9b: found by the post-round-9 measurement (a cross-function loss, an uncaught eps).
_UPD9B = "    for key in parameters:\n        parameters[key] -= learning_rate * grads[\"d\" + key]\n    return parameters"
MUTANTS += [
    Mutant("R9b K11 update_parameters decays the rate by a module-level call counter (train calls it)",
           _UPD9B, "    global _calls\n    _calls = globals().get(\"_calls\", 0) + 1\n" + _UPD9B.replace("learning_rate *", "learning_rate / _calls *"),
           expect="update_parameters keeps state between calls"),
    Mutant("R9b K6 BCE ignores its eps argument (clips with a fixed 1e-7)",
           "A = np.clip(AL, eps, 1.0 - eps)", "A = np.clip(AL, 1e-7, 1.0 - 1e-7)",
           expect="the eps argument is not used"),
]
MUTANTS += [
    Mutant("R9b K13 train returns the caller's initial parameters (the trained copy is lost)",
           "    m = X.shape[0]\n    parameters = {k: v.copy()", "    m = X.shape[0]\n    initial = parameters\n    parameters = {k: v.copy()",
           also=[("    return parameters, pd.DataFrame(rows)", "    return initial, pd.DataFrame(rows)")],
           expect="train returns the parameters it was given"),
]
MUTANTS += [
    Mutant("R9b K17 activation_backward ReLU mask Z.astype(bool) (nonzero, not positive)",
           "return dA * (Z > 0)", "return dA * Z.astype(bool)",
           expect="yours passes dA also where Z < 0"),
]
MUTANTS += [
    Mutant("R9b K15 initialize_parameters rng.normal(std, size=...) (std passed as the mean)",
           "parameters[f\"W{l}\"] = std * rng.standard_normal((n_in, n_out))", "parameters[f\"W{l}\"] = rng.normal(std, size=(n_in, n_out))",
           expect="the first argument of rng.normal is loc"),
]
MUTANTS += [
    Mutant("R9b K10 update_parameters steps each array by the mean of its gradient",
           "        parameters[key] -= learning_rate * grads[\"d\" + key]", "        parameters[key] -= learning_rate * grads[\"d\" + key].mean()",
           expect="MEAN of the gradient array"),
]
MUTANTS += [
    Mutant('R10 B6 activation_backward sigmoid branch divides by m (1/m habit)',
           '        return dA * s * (1.0 - s)',
           '        return dA * s * (1.0 - s) / Z.shape[0]',
           expect='1/m (m = 4 rows of Z'),
    Mutant('R10 B8 update_parameters steps the biases with dW (copy-paste of the weight line)',
           '    for key in parameters:\n        parameters[key] -= learning_rate * grads["d" + key]',
           '    for l in range(1, len(parameters) // 2 + 1):\n        parameters[f"W{l}"] -= learning_rate * grads[f"dW{l}"]\n        parameters[f"b{l}"] -= learning_rate * grads[f"dW{l}"]',
           expect="the shape of grads['dW1']"),
    Mutant('R10 B10 train runs epochs + 1 epochs (range(epochs + 1))',
           '    epoch_range = range(1, epochs + 1)',
           '    epoch_range = range(epochs + 1)',
           expect='your epoch loop starts again at 0'),
    Mutant('R10 B11 train splits the permutation with np.split(order, m // size) (needs equal batches)',
           '        for first in range(0, m, size):\n            idx = order[first:first + size]\n',
           '        for idx in np.split(order, max(1, m // size)):\n',
           expect='np.split(order, n) needs n equal parts'),
    Mutant("R10 B13 model_backward reads the hidden layer's Z from its own cache (caches[l - 1]) via a loop variable slip",
           '            _, Z_prev = caches[l - 2]',
           '            _, Z_prev = caches[l - 1 - (l > 2)]',
           expect='evaluates the derivative at Z_2'),
]
VARIANTS += [
    Variant('R10 BV2 linear_backward dA_prev = (W @ dZ.T).T',
            '    dA_prev = dZ @ W.T\n',
            '    dA_prev = (W @ dZ.T).T\n'),
    Variant('R10 BV3 activation_backward sigmoid derivative sigmoid(Z) * sigmoid(-Z)',
            '        s = sigmoid(Z)\n        return dA * s * (1.0 - s)',
            '        return dA * sigmoid(Z) * sigmoid(-Z)'),
]
MUTANTS += [
    Mutant('R10b N11 predict thresholds at the batch mean of AL (one sample: always 0)',
           'return (AL > 0.5).astype(int)',
           'return (AL > AL.mean()).astype(int)',
           expect="above the batch's mean AL"),
    Mutant('R10b N4 activation_forward tanh branch np.tan (typo)',
           'A = np.tanh(Z)', 'A = np.tan(Z)',
           expect='A is np.tan(Z), the trigonometric tangent'),
    Mutant('R10b C6 linear_backward dA_prev through the pseudo-inverse of W',
           'dA_prev = dZ @ W.T\n', 'dA_prev = dZ @ np.linalg.pinv(W)\n',
           expect='the pseudo-inverse of W'),
    Mutant('R10b C9 update_parameters normalises each gradient by its norm',
           'parameters[key] -= learning_rate * grads["d" + key]',
           'g = grads["d" + key]\n        parameters[key] -= learning_rate * g / (np.linalg.norm(g) + 1e-8)',
           expect='dP divided by its norm'),
]
MUTANTS += [
    Mutant('R10b C8 model_backward walks the layers forwards (range(1, L + 1))',
           'for l in range(L, 0, -1):', 'for l in range(1, L + 1):',
           expect='your loop walks the layers forwards'),
]
# Round 11b: fixes of the round-11 held-out measurement (m11b).
MUTANTS += [
    Mutant('R11b sigmoid helper scipy.special.logit (the inverse of the sigmoid: NaN, no numpy warning)',
           '    E = np.exp(-np.abs(Z))\n    return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))',
           '    from scipy.special import logit\n    return logit(Z)',
           expect='your values are logit(Z)'),
]
MUTANTS += [
    Mutant('R11b linear_backward dW by np.outer(A_prev, dZ) (the one-sample formula)',
           'dW = A_prev.T @ dZ', 'dW = np.outer(A_prev, dZ)',
           expect='it is np.outer(A_prev, dZ)'),
    Mutant('R11b model_forward L = len(parameters) / 2 (a float: range() raises TypeError)',
           '    L = len(parameters) // 2\n    A = X\n', '    L = len(parameters) / 2\n    A = X\n',
           expect='`/` always gives a float'),
    Mutant('R11b model_backward passes the whole (linear_cache, Z) pair to linear_backward',
           '        linear_cache, _ = caches[l - 1]\n        dA_prev, grads[f"dW{l}"], grads[f"db{l}"] = '
           'linear_backward(dZ, linear_cache)',
           '        dA_prev, grads[f"dW{l}"], grads[f"db{l}"] = linear_backward(dZ, caches[l - 1])',
           expect='linear_backward was given a whole entry of caches'),
]
MUTANTS += [
    Mutant('R11b update_parameters steps W with dW.T (column-convention habit)',
           '        parameters[key] -= learning_rate * grads["d" + key]',
           '        g = grads["d" + key]\n'
           '        parameters[key] -= learning_rate * (g.T if key.startswith("W") else g)',
           expect='your update uses the gradient transposed (dW.T'),
    Mutant('R11b initialize_parameters biases np.zeros(1, n_out) (the shape split into two arguments)',
           'parameters[f"b{l}"] = np.zeros((1, n_out))',
           'parameters[f"b{l}"] = np.zeros(1, n_out)',
           expect='take the shape as ONE tuple'),
]
MUTANTS += [
    Mutant('R11b train m = X.shape[1] (the columns-are-samples habit)',
           '    m = X.shape[0]\n    parameters = {k: v.copy()',
           '    m = X.shape[1]\n    parameters = {k: v.copy()',
           expect='your train counts the samples with X.shape[1]'),
]
MUTANTS += [
    Mutant('R11b BCE with np.log2 (bits instead of nats)',
           'return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))',
           'return float(-np.mean(Y * np.log2(A) + (1.0 - Y) * np.log2(1.0 - A)))',
           expect='log2 instead of the natural logarithm'),
    Mutant('R11b predict thresholds np.round(AL, 1) > 0.5',
           'return (AL > 0.5).astype(int)', 'return (np.round(AL, 1) > 0.5).astype(int)',
           expect='AL is rounded before the threshold'),
]
MUTANTS += [
    Mutant('R12 ReLU as Z.clip(0, 10) (a bound the standard-normal inputs never reach)',
           old="A = np.maximum(Z, 0.0)", new="A = Z.clip(0.0, 10.0)",
           expect="`10.0` should be `None`"),
]
# Round 12b: fixes of the round-12 held-out measurement (m12b).
MUTANTS += [
    Mutant('R12b sigmoid helper computes E in float32 (np.exp(..., dtype=np.float32)) for a float64 Z',
           'E = np.exp(-np.abs(Z))', 'E = np.exp(-np.abs(Z), dtype=np.float32)',
           expect='asks for a float64 result for a float64 Z'),
    # a correct variant until round 12b, when the docstring started to promise float64 for float64
    Mutant("stable sigmoid computed in float32 (Z cast with np.asarray(Z, dtype=np.float32))",
           old="E = np.exp(-np.abs(Z))\n    return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))",
           new="Z = np.asarray(Z, dtype=np.float32)\n    E = np.exp(-np.abs(Z))\n"
               "    return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))",
           expect='returned float32: the docstring asks for a float64 result'),
]
MUTANTS += [
    Mutant('R12b linear_forward adds only b[0, 0] (one number for every unit)',
           '    Z = A_prev @ W + b\n', '    Z = A_prev @ W + b[0, 0]\n',
           expect="b's first entry b[0, 0], is added to every entry of Z"),
    Mutant('R12b BCE clip bounds with the eps sign slipped (np.clip(AL, -eps, 1 + eps))',
           'A = np.clip(AL, eps, 1.0 - eps)', 'A = np.clip(AL, -eps, 1.0 + eps)',
           expect='its bounds let 0 and 1 through'),
    Mutant('R12b activation_backward relu np.where(Z > 0, dA, Z) (Z leaks for Z <= 0)',
           'return dA * (Z > 0)', 'return np.where(Z > 0, dA, Z)',
           expect='there your dZ equals Z itself'),
    Mutant('R12b train permutes range(batch_size) instead of range(m)',
           '        order = rng.permutation(m)\n', '        order = rng.permutation(size)\n',
           expect='your permutation has batch_size entries, not m'),
    Mutant('R12b train history accuracy against Y.T (an (m, m) broadcast)',
           'accuracy = float(np.mean((AL > 0.5) == (Y > 0.5)))', 'accuracy = float(np.mean((AL > 0.5) == (Y.T > 0.5)))',
           expect='your accuracy compares every prediction with every label'),
]
# Round 13 held-out probes (helper b): the ones whose first message did not name the mistake, or named
# another cause, now named by the property the check asks.
MUTANTS += [
    Mutant("R13b 'random' weights with std 0.01 ** 2 (the variance of N(0, 0.01^2) used as its std)",
           "std = 0.01", "std = 0.01 ** 2",
           expect="the variance was used as the standard deviation"),
    Mutant("R13b activation_forward if / if / elif chain (the sigmoid branch runs, then the else raises)",
           '        A = sigmoid(Z)\n    elif activation == "tanh":', '        A = sigmoid(Z)\n    if activation == "tanh":',
           expect="an `if` where `elif` belongs"),
    Mutant("R13b sigmoid helper E = exp(-Z) without the abs",
           "E = np.exp(-np.abs(Z))", "E = np.exp(-Z)",
           expect="E is computed as exp(-Z) without the abs"),
    Mutant("R13b activation_backward relu branch assigns dZ and never returns it",
           "return dA * (Z > 0)", "dZ = dA * (Z > 0)",
           expect="a branch that computes its result without returning it"),
    Mutant("R13b update_parameters hard-codes the keys of a two-layer network",
           'for key in parameters:\n        parameters[key] -= learning_rate * grads["d" + key]',
           'for key in ("W1", "b1", "W2", "b2"):\n        parameters[key] -= learning_rate * grads["d" + key]',
           expect="your code updates a fixed list of keys"),
    Mutant("R13b train feeds X[order][idx] (X permuted twice, Y once)",
           "AL, caches = model_forward(X[idx], parameters, hidden_activation)",
           "AL, caches = model_forward(X[order][idx], parameters, hidden_activation)",
           expect="or X indexed twice (X[order][idx])"),
    Mutant("R13b train steps the batch loop by batch_size itself (None for the full batch)",
           "for first in range(0, m, size):", "for first in range(0, m, batch_size):",
           expect="batch_size=None is the documented full batch"),
]
VARIANTS += [
    # The docstring lists the four methods and promises nothing for another name: no ValueError is asked for.
    Variant("R13b initialize_parameters without validating the method (unknown names fall to He)",
            '    if method not in ("zeros", "random", "xavier", "he"):\n'
            '        raise ValueError(f"unknown initialisation method {method!r}")\n', ""),
    Variant("R13b zeros method without a draw (explicit np.zeros)",
            'parameters[f"W{l}"] = std * rng.standard_normal((n_in, n_out))',
            'parameters[f"W{l}"] = (np.zeros((n_in, n_out)) if method == "zeros"\n'
            '                                 else std * rng.standard_normal((n_in, n_out)))'),
    Variant("R13b sigmoid derivative s(Z) s(-Z) through logaddexp",
            "        s = sigmoid(Z)\n        return dA * s * (1.0 - s)",
            "        return dA * np.exp(-np.logaddexp(0.0, -Z) - np.logaddexp(0.0, Z))"),
    Variant("R13b train mini-batches with a while loop",
            "        for first in range(0, m, size):\n            idx = order[first:first + size]\n",
            "        first = 0\n        while first < m:\n            idx = order[first:min(first + size, m)]\n"
            "            first += size\n"),
]
# Round 13 second fresh set (helper b), measured after the fixes above.
MUTANTS += [
    Mutant("R13b Xavier drawn uniformly from [-std, std] (its std is std / sqrt(3))",
           'parameters[f"W{l}"] = std * rng.standard_normal((n_in, n_out))',
           'parameters[f"W{l}"] = (rng.uniform(-std, std, (n_in, n_out)) if method == "xavier"\n'
           '                                 else std * rng.standard_normal((n_in, n_out)))',
           expect="a uniform draw with that std needs the bound sqrt(3) * std"),
    Mutant("R13b model_backward m from the input features (caches[0][0][0].shape[1])",
           "m = AL.shape[0]", "m = caches[0][0][0].shape[1]",
           expect="you divided by n_0 = X.shape[1] (the number of input features, not of samples)"),
]
# A building block that raises on every batch used to leave train's cells passed unseen (every run skipped): a
# block mistake of one or two points then bought train's five whatever its loop did.  Those cells then failed,
# naming the block; now the loop is judged with the reference blocks lent in place of the student's (it passes
# when the loop is right): the mistake costs its own cell only.
MUTANTS += [
    Mutant("R13b BCE with a matrix product Y @ log(A) (raises for m > 1; train cannot run)",
           "return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))",
           "return float(-np.mean(Y @ np.log(A) + (1.0 - Y) * np.log(1.0 - A)))",
           expect="right only when m = 1"),
    Mutant("R13b activation_backward tanh derivative with @ (one change: @ -> *)",
           "return dA * (1.0 - np.tanh(Z) ** 2)", "return dA @ (1.0 - np.tanh(Z) ** 2)",
           expect="should be `dA * (1.0 - np.tanh(Z) ** 2)`"),
]
# Round 13 measurement m13b (helper f fixes): probes left unnamed, with a wrong cause, or costing train's cells
# with a message that did not say which building block to fix first.
MUTANTS += [
    Mutant("R13f He std from the input dimension n_0 for every layer (layer_dims[0])",
           "std = np.sqrt(2.0 / n_in)", "std = np.sqrt(2.0 / layer_dims[0])",
           expect="with n_{l-1} = layer_dims[0] = 400 (another layer's size)"),
    Mutant("R13f activation cache stores the pair (Z, A) (train judged with the reference blocks)",
           "    return A, Z\n", "    return A, (Z, A)\n",
           expect="activation_cache must be a numpy.ndarray, got tuple"),
    Mutant("R13f model_forward appends the cache after the loop (train judged with the reference blocks)",
           "        caches.append((linear_cache, activation_cache))\n    return A, caches",
           "    caches.append((linear_cache, activation_cache))\n    return A, caches",
           expect="caches must be a list with one entry per layer (3), got list of length 1"),
    Mutant("R13f activation_backward sigmoid derivative from activation_forward's (A, cache) tuple",
           "        s = sigmoid(Z)\n        return dA * s * (1.0 - s)",
           "        s = activation_forward(Z, \"sigmoid\")\n        return dA * s * (1.0 - s)",
           expect="a tuple was used as a number or an array"),
    Mutant("R13f model_backward loop starts at L - 1 (output layer skipped)",
           "for l in range(L, 0, -1):", "for l in range(L - 1, 0, -1):",
           expect="the output layer L = 3 is skipped"),
    Mutant("R13f update_parameters returns grads",
           "        parameters[key] -= learning_rate * grads[\"d\" + key]\n    return parameters",
           "        parameters[key] -= learning_rate * grads[\"d\" + key]\n    return grads",
           expect="returned the gradients dict grads"),
]
MUTANTS += [
    Mutant("R13f activation_backward relu derivative np.clip(Z, 0, 1)",
           "return dA * (Z > 0)", "return dA * np.clip(Z, 0, 1)",
           expect="your dZ / dA equals Z there"),
]
# Round 14 held-out set b (helper f): a sigmoid helper that raises is named in its own cell and activation_backward is
# judged with the documented sigmoid lent; which dZ a hidden layer's gradients come from; predict's unpacking order
# and row-by-row lists; a merged last mini-batch; mini-batch gradients added up and applied once per epoch.
MUTANTS += [
    Mutant("R14f sigmoid helper with math.exp (scalars only; activation_backward not charged)",
           "E = np.exp(-np.abs(Z))", "import math\n    E = math.exp(-abs(Z))",
           expect=("a function of the math module (math.exp",)),
    Mutant("R14f model_backward hidden-derivative condition l > 2 (layer 1 reuses layer 2's dZ)",
           "        if l > 1:", "        if l > 2:",
           expect="layer 1's gradients are computed from dZ2, layer 2's dZ"),
    Mutant("R14f model_backward skips layer 1's activation derivative (dZ = dA_prev below layer 2)",
           "            dZ = activation_backward(dA_prev, Z_prev, hidden_activation)",
           "            dZ = activation_backward(dA_prev, Z_prev, hidden_activation) if l > 2 else dA_prev",
           expect="the derivative of the hidden activation is missing for layer 1 alone"),
    Mutant("R14f predict returns a Python list of ints (int() of a row)",
           "return (AL > 0.5).astype(int)", "return [int(a > 0.5) for a in AL]",
           expect="labels the samples one row at a time"),
    Mutant("R14f predict returns a Python list of [label] rows",
           "return (AL > 0.5).astype(int)", "return [[int(a[0] > 0.5)] for a in AL]",
           expect="returned a Python list of"),
    Mutant("R14f predict unpacks model_forward's result in the wrong order",
           "    AL, _ = model_forward(X, parameters, hidden_activation)\n    return (AL > 0.5)",
           "    _, AL = model_forward(X, parameters, hidden_activation)\n    return (AL > 0.5)",
           expect="the SECOND one model_forward returns"),
    Mutant("R14f train merges the last partial batch into the previous one (m // size batches)",
           "        for first in range(0, m, size):\n            idx = order[first:first + size]",
           "        n_batches = max(1, m // size)\n        for j in range(n_batches):\n            idx = order[j * size:] if j == n_batches - 1 else order[j * size:(j + 1) * size]",
           expect="is merged into the one before it"),
    Mutant("R14f train accumulates the mini-batch gradients and updates once per epoch",
           "            grads = model_backward(AL, Y[idx], caches, hidden_activation)\n            parameters = update_parameters(parameters, grads, learning_rate)\n        rows.append(record(epoch))",
           "            g = model_backward(AL, Y[idx], caches, hidden_activation)\n            total = g if first == 0 else {k: total[k] + g[k] for k in total if not k.startswith(\"dA\")}\n        parameters = update_parameters(parameters, total, learning_rate)\n        rows.append(record(epoch))",
           expect="the gradients of the epoch's"),
]
# Beyond the held-out list (helper f): predict thresholding the whole pair; a sigmoid helper returning a list (not
# charged in activation_backward); one combined update per epoch; a mini-batch learning rate scaled by a size.
MUTANTS += [
    Mutant("R14f predict AL = model_forward(...) without unpacking the pair",
           "    AL, _ = model_forward(X, parameters, hidden_activation)\n    return (AL > 0.5)",
           "    AL = model_forward(X, parameters, hidden_activation)\n    return (AL > 0.5)",
           expect="thresholds model_forward's whole result, the pair"),
    Mutant("R14f sigmoid helper returns a list (activation_backward not charged)",
           "return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))",
           "return list(np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E)))",
           expect="must be a numpy.ndarray, got list"),
    Mutant("R14f train averages the mini-batch gradients and updates once per epoch",
           "            grads = model_backward(AL, Y[idx], caches, hidden_activation)\n            parameters = update_parameters(parameters, grads, learning_rate)\n        rows.append(record(epoch))",
           "            g = model_backward(AL, Y[idx], caches, hidden_activation)\n            total = g if first == 0 else {k: total[k] + g[k] for k in total if not k.startswith(\"dA\")}\n        n = -(-m // size)\n        parameters = update_parameters(parameters, {k: v / n for k, v in total.items()}, learning_rate)\n        rows.append(record(epoch))",
           expect="the epoch's mini-batches are combined into one step"),
    Mutant("R14f train scales the learning rate by batch_size / m",
           "            parameters = update_parameters(parameters, grads, learning_rate)",
           "            parameters = update_parameters(parameters, grads, learning_rate * size / m)",
           expect="learning_rate * batch_size / m instead of learning_rate"),
]
MUTANTS += [
    Mutant("R14f batch_size ignored (always the full batch), read back on the one-hot problem",
           old="size = m if batch_size is None else int(batch_size)", new="size = m",
           expect="batch_size is ignored (read back on a one-hot problem"),
]
MUTANTS += [
    Mutant("R14f model_forward never hands a layer's output on (A_out stored, A still X)",
           "        A, activation_cache = activation_forward(Z, hidden_activation if l < L else \"sigmoid\")\n        caches.append((linear_cache, activation_cache))\n    return A, caches",
           "        A_out, activation_cache = activation_forward(Z, hidden_activation if l < L else \"sigmoid\")\n        caches.append((linear_cache, activation_cache))\n    return A_out, caches",
           expect="every layer's cached input A_prev is X itself"),
]
MUTANTS += [
    Mutant("R14n initialize_parameters divides the draws by std",
           'parameters[f"W{l}"] = std * rng.standard_normal((n_in, n_out))',
           'parameters[f"W{l}"] = rng.standard_normal((n_in, n_out)) / std',
           expect=("divided by the standard deviation instead of multiplied", "not for a lack of numerical stability")),
    Mutant("R14n model_forward returns the last pre-activation Z_L",
           "        caches.append((linear_cache, activation_cache))\n    return A, caches",
           "        caches.append((linear_cache, activation_cache))\n    return Z, caches",
           expect="equals Z_3, the output layer's pre-activation (the logits)"),
    Mutant("R14n BCE with the labels swapped between the two terms",
           "return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))",
           "return float(-np.mean((1.0 - Y) * np.log(A) + Y * np.log(1.0 - A)))",
           expect="the labels are swapped between the two terms"),
    Mutant("R14n model_backward feeds dZ (not dA_prev = dZ W^T) to the hidden derivative",
           "dZ = activation_backward(dA_prev, Z_prev, hidden_activation)",
           "dZ = activation_backward(dZ, Z_prev, hidden_activation)",
           expect=("the W.T step is skipped", "broadcasts against")),
    Mutant("R14n model_backward differentiates the top hidden layer as a sigmoid (index off by one)",
           "dZ = activation_backward(dA_prev, Z_prev, hidden_activation)",
           'dZ = activation_backward(dA_prev, Z_prev, "sigmoid" if l == L else hidden_activation)',
           expect="(the top hidden layer) is differentiated as a sigmoid"),
    Mutant("R14n model_backward differentiates the top hidden layer as a tanh",
           "dZ = activation_backward(dA_prev, Z_prev, hidden_activation)",
           'dZ = activation_backward(dA_prev, Z_prev, "tanh" if l == L else hidden_activation)',
           expect="is differentiated as a tanh"),
    Mutant("R14n predict np.sign(AL - 0.5) (labels -1 / 1)",
           "return (AL > 0.5).astype(int)", "return np.sign(AL - 0.5).astype(int)",
           expect="your labels are -1 and 1"),
    Mutant("R14n predict -(AL > 0.5) (labels 0 / -1)",
           "return (AL > 0.5).astype(int)", "return -(AL > 0.5).astype(int)",
           expect="your labels contain -1 where the expected label is 1"),
    Mutant("R14n train updates with the previous step's gradients (update before backward)",
           "            grads = model_backward(AL, Y[idx], caches, hidden_activation)\n            parameters = update_parameters(parameters, grads, learning_rate)",
           "            parameters = update_parameters(parameters, grads, learning_rate)\n            grads = model_backward(AL, Y[idx], caches, hidden_activation)",
           also=(("    rows = [record(0)]\n",
                  '    rows = [record(0)]\n    grads = {"d" + k: np.zeros_like(v) for k, v in parameters.items()}\n'),),
           expect="every update applies the gradients of the PREVIOUS step"),
]
MUTANTS += [
    Mutant("R14n activation_forward tanh branch np.arctanh (the inverse function)",
           "        A = np.tanh(Z)\n", "        A = np.arctanh(Z)\n",
           expect="calls np.arctanh, the INVERSE function of tanh"),
    Mutant("R14n activation_backward tanh derivative through np.arctanh",
           "return dA * (1.0 - np.tanh(Z) ** 2)", "return dA * (1.0 - np.arctanh(Z) ** 2)",
           expect="calls np.arctanh, the INVERSE function of tanh"),
]
MUTANTS += [
    Mutant("R14n train multiplies the learning rate by the mini-batch length",
           "parameters = update_parameters(parameters, grads, learning_rate)",
           "parameters = update_parameters(parameters, grads, learning_rate * len(idx))",
           expect=("learning_rate * m = 24 * learning_rate", "learning_rate * (rows in the mini-batch")),
]

# --- round 15 (held-out probes b15-04, now catalogued): an activation on the input, the start of training, a swapped
# pair of results named; a sigmoid helper writing into Z costs activation_forward's cell only
MUTANTS += [
    Mutant("R15b model_forward applies the hidden activation to the input X first",
           old="A = X\n    caches = []",
           new="A, _ = activation_forward(X, hidden_activation)  # activation of the input layer\n    caches = []",
           expect="applies the 'relu' activation to the input before the first layer"),
    Mutant("R15b model_forward squashes the input with tanh first",
           old="A = X\n    caches = []", new="A = np.tanh(X)\n    caches = []",
           expect="AL is the network's output on tanh(X), not on X"),
    Mutant("R15b train re-initialises a He network of the same shape (given parameters ignored)",
           old="parameters = {k: v.copy() for k, v in parameters.items()}   # the caller's stay untouched",
           new='dims = [X.shape[1]] + [parameters[f"W{l}"].shape[1] for l in range(1, len(parameters) // 2 + 1)]\n'
               '    parameters = initialize_parameters(dims, "he", seed=seed)  # a fresh network of the same shape',
           expect="the same whatever initial parameters train is given"),
    Mutant("R15b train returns (history, parameters) (pair swapped)",
           old="return parameters, pd.DataFrame(rows)", new="return pd.DataFrame(rows), parameters",
           expect="returned (history, parameters)"),
    Mutant("R15b linear_forward returns (cache, Z) (pair swapped)",
           old="Z = A_prev @ W + b\n    return Z, (A_prev, W, b)", new="Z = A_prev @ W + b\n    return (A_prev, W, b), Z",
           expect="returned (linear_cache, Z)"),
    Mutant("R15b sigmoid helper takes |Z| in place (values right, caller's Z changed)",
           old="E = np.exp(-np.abs(Z))\n    return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))",
           new="positive = Z >= 0\n    np.abs(Z, out=Z)\n    E = np.exp(-Z)\n"
               "    return np.where(positive, 1.0 / (1.0 + E), E / (1.0 + E))",
           expect="modified its input Z in place"),
]

# --- round 15b (held-out probes j15-04, now catalogued): keys added to the parameters dict paid in model_forward's
# cell only; a bias sized by A_prev.shape[1], a loop bound counting arrays, accumulated gradients, a partial batch's
# scaled step, a bias-trick slice at the wrong end and a reversed layer numbering named by second inputs
_R15F_LIN_B = "dW = A_prev.T @ dZ\n    db = dZ.sum(axis=0, keepdims=True)"
_R15F_STEP = "parameters = update_parameters(parameters, grads, learning_rate)"
MUTANTS += [
    Mutant("R15f linear_forward tiles b over A_prev.shape[1] rows",
           old="    Z = A_prev @ W + b\n    return Z, (A_prev, W, b)",
           new="    Z = A_prev @ W + np.tile(b, (A_prev.shape[1], 1))  # one bias row per sample\n"
               "    return Z, (A_prev, W, b)",
           expect="look at the bias term"),
    Mutant("R15f linear_forward repeats b over A_prev.shape[1] rows",
           old="    Z = A_prev @ W + b\n    return Z, (A_prev, W, b)",
           new="    Z = A_prev @ W + np.repeat(b, A_prev.shape[1], axis=0)\n    return Z, (A_prev, W, b)",
           expect="look at the bias term"),
    Mutant("R15f model_forward stores each A_l in the parameters dict",
           old="caches.append((linear_cache, activation_cache))",
           new='caches.append((linear_cache, activation_cache))\n        parameters[f"A{l}"] = A  # keep the activations',
           expect="added keys to parameters ('A1'"),
    Mutant("R15f linear_backward bias trick: ones prepended, sliced as if appended",
           old=_R15F_LIN_B,
           new="A_aug = np.hstack([np.ones((A_prev.shape[0], 1)), A_prev])  # bias trick\n"
               "    dWb = A_aug.T @ dZ\n    dW, db = dWb[:-1], dWb[-1:]",
           expect="dW's rows are the expected ones shifted by one row, starting with db"),
    Mutant("R15f linear_backward bias trick: ones appended, sliced as if prepended",
           old=_R15F_LIN_B,
           new="A_aug = np.hstack([A_prev, np.ones((A_prev.shape[0], 1))])  # bias trick\n"
               "    dWb = A_aug.T @ dZ\n    dW, db = dWb[1:], dWb[:1]",
           expect="dW's rows are the expected ones shifted by one row, starting with the expected row 2"),
    Mutant("R15f model_backward numbers the grads from the top",
           old='    for l in range(L, 0, -1):\n        linear_cache, _ = caches[l - 1]\n'
               '        dA_prev, grads[f"dW{l}"], grads[f"db{l}"] = linear_backward(dZ, linear_cache)\n'
               '        grads[f"dA{l - 1}"] = dA_prev\n',
           new='    for i, (linear_cache, _) in enumerate(reversed(caches), 1):\n        l = L - i + 1\n'
               '        dA_prev, grads[f"dW{i}"], grads[f"db{i}"] = linear_backward(dZ, linear_cache)\n'
               '        grads[f"dA{i - 1}"] = dA_prev\n',
           expect="the layer numbering is reversed"),
    Mutant("R15f update_parameters loops l over range(1, len(parameters))",
           old='    for key in parameters:\n        parameters[key] -= learning_rate * grads["d" + key]',
           new='    for l in range(1, len(parameters)):\n'
               '        parameters[f"W{l}"] -= learning_rate * grads[f"dW{l}"]\n'
               '        parameters[f"b{l}"] -= learning_rate * grads[f"db{l}"]',
           expect="its bound counts the arrays, len(parameters) = 2L"),
    Mutant("R15f train scales the step of the last partial batch by len(idx) / batch_size",
           old=_R15F_STEP, new="parameters = update_parameters(parameters, grads, learning_rate * len(idx) / size)",
           expect="that batch's learning rate (or gradient) is scaled by len(idx) / batch_size"),
    Mutant("R15f train accumulates gradients across steps (never reset)",
           old="            grads = model_backward(AL, Y[idx], caches, hidden_activation)\n            " + _R15F_STEP,
           new="            grads = model_backward(AL, Y[idx], caches, hidden_activation)\n"
               "            for k in grads:\n"
               "                if k[1] in 'Wb':\n"
               "                    acc[k] = acc.get(k, 0) + grads[k]  # running gradient\n"
               "            parameters = update_parameters(parameters, acc, learning_rate)",
           also=(("rows = [record(0)]\n", "rows = [record(0)]\n    acc = {}\n"),),
           expect="the gradients are accumulated across steps and never reset"),
]

# --- round 16 (held-out probes b16-04, now catalogued): properties asked of every per-sample function, loss,
# initialiser and training loop -- a row's output from the whole batch equals the row alone, a regression loss in
# the classification loss's place, the tails of a normal draw, the unit of history['seconds'], the parameters
# returned are those whose loss the history's last row records; an activation folded into linear_forward
MUTANTS += [
    Mutant("R16f linear_forward applies the ReLU itself",
           old="    Z = A_prev @ W + b\n    return Z, (A_prev, W, b)",
           new="    Z = np.maximum(A_prev @ W + b, 0)  # the layer's non-linearity\n    return Z, (A_prev, W, b)",
           expect="your Z is max(0, .) = ReLU(A_prev @ W + b)"),
    Mutant("R16f linear_forward applies the sigmoid itself",
           old="    Z = A_prev @ W + b\n    return Z, (A_prev, W, b)",
           new="    Z = 1 / (1 + np.exp(-(A_prev @ W + b)))\n    return Z, (A_prev, W, b)",
           expect="your Z is sigmoid(A_prev @ W + b)"),
    Mutant("R16f model_forward standardises the batch it is given",
           old="    L = len(parameters) // 2\n    A = X\n",
           new="    L = len(parameters) // 2\n    A = (X - X.mean(axis=0)) / (X.std(axis=0) + 1e-8)\n",
           expect="X standardised with the batch's mean and std"),
    Mutant("R16f model_forward centres the batch on its mean",
           old="    L = len(parameters) // 2\n    A = X\n",
           new="    L = len(parameters) // 2\n    A = X - X.mean(axis=0, keepdims=True)\n",
           expect="your output depends on the other rows of the batch"),
    Mutant("R16f linear_forward centres Z on the batch's mean (Z - Z.mean(axis=0) + b)",
           old="    Z = A_prev @ W + b\n    return Z, (A_prev, W, b)",
           new="    Z = A_prev @ W + b\n    Z = Z - Z.mean(axis=0) + b\n    return Z, (A_prev, W, b)",
           expect="your output depends on the other rows of the batch"),
    Mutant("R16f activation_forward ReLU divided by the batch's largest |Z| per column",
           old="A = np.maximum(Z, 0.0)", new="A = np.maximum(Z, 0.0) / np.abs(Z).max(axis=0) * 2",
           expect="your output depends on the other rows of the batch"),
    Mutant("R16f binary_cross_entropy computes the mean squared error",
           old="return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))",
           new="return float(np.mean((A - Y) ** 2))",
           expect="your loss is the mean squared error"),
    Mutant("R16f binary_cross_entropy computes the mean absolute error",
           old="return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))",
           new="return float(np.mean(np.abs(A - Y)))",
           expect="your loss is the mean absolute error"),
    Mutant("R16f He weights clipped at +-2 standard normal draws",
           old="parameters[f\"W{l}\"] = std * rng.standard_normal((n_in, n_out))",
           new="parameters[f\"W{l}\"] = std * np.clip(rng.standard_normal((n_in, n_out)), -2.0, 2.0)",
           expect="the normal draws were clipped"),
    Mutant("R16f weights from a normal truncated at +-2 (redrawn)",
           old="parameters[f\"W{l}\"] = std * rng.standard_normal((n_in, n_out))",
           new="z = rng.standard_normal((n_in, n_out))\n"
               "        while (np.abs(z) > 2).any():\n"
               "            z[np.abs(z) > 2] = rng.standard_normal(int((np.abs(z) > 2).sum()))\n"
               "        parameters[f\"W{l}\"] = std * z",
           expect="the draws were truncated"),
    Mutant("R16f train records 'seconds' in milliseconds",
           old='"seconds": time.perf_counter() - start}',
           new='"seconds": (time.perf_counter() - start) * 1000}',
           expect="such as milliseconds"),
    Mutant("R16f train returns the parameters of the epoch with the lowest loss",
           old="        rows.append(record(epoch))\n    return parameters, pd.DataFrame(rows)",
           new="        rows.append(record(epoch))\n"
               "        if rows[-1][\"loss\"] <= min(r[\"loss\"] for r in rows):\n"
               "            best = {k: v.copy() for k, v in parameters.items()}\n"
               "    if epochs == 0:\n"
               "        best = parameters\n"
               "    return best, pd.DataFrame(rows)",
           expect="the parameters returned are not those after the last epoch"),
]

VARIANTS += [
    # the maintainers' decision (561d1d0): tanh is not asked to be stable at |Z| = 1000 in the forward pass, so a
    # formula from exponentials (NaN there) is a correct variant; sinh / cosh is the same formula
    Variant("R16f tanh as sinh(Z) / cosh(Z)", old="A = np.tanh(Z)", new="A = np.sinh(Z) / np.cosh(Z)"),
    Variant("R16f train timer from time.monotonic",
            old='"seconds": time.perf_counter() - start}',
            new='"seconds": time.monotonic() - start}',
            also=(("    start = time.perf_counter()\n", "    start = time.monotonic()\n"),)),
    Variant("R16f model_forward copies X before the loop (X.copy(), no statistic)",
            old="    L = len(parameters) // 2\n    A = X\n",
            new="    L = len(parameters) // 2\n    A = np.array(X, dtype=X.dtype, copy=True)\n"),
]

MUTANTS += [
    Mutant("R16f model_backward stores the gradients under the parameter names (grads['W1'], no 'd')",
           old='dA_prev, grads[f"dW{l}"], grads[f"db{l}"] = linear_backward(dZ, linear_cache)',
           new='dA_prev, grads[f"W{l}"], grads[f"b{l}"] = linear_backward(dZ, linear_cache)',
           expect="your gradients are stored under the parameters' own names"),
]

# --- round 16b (held-out j16): the sigmoid at float64 precision in the tails, the history on all the rows when m
# is larger than a usual slice, indices drawn with replacement told from a loop that skips rows
_SIG_STABLE = "    E = np.exp(-np.abs(Z))\n    return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))"
MUTANTS += [
    Mutant("R16n sigmoid as the naive formula on Z clipped at +-30 (the tails lost)",
           old=_SIG_STABLE, new="    return 1.0 / (1.0 + np.exp(-np.clip(Z, -30, 30)))",
           expect="Z is clipped at +-30 before the exp"),
    Mutant("R16n stable sigmoid with |Z| capped at 25",
           old="E = np.exp(-np.abs(Z))", new="E = np.exp(-np.minimum(np.abs(Z), 25.0))",
           expect="Z is clipped at +-25 before the exp"),
    Mutant("R16n sigmoid's exp computed in float32, cast back to float64",
           old=_SIG_STABLE,
           new="    E = np.exp(-np.abs(Z).astype(np.float32)).astype(np.float64)\n"
               "    return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))",
           expect="a float32 step on the way"),
    Mutant("R16n activation_forward's sigmoid branch inline on Z clipped at +-30",
           old="A = sigmoid(Z)", new="A = 1.0 / (1.0 + np.exp(-np.clip(Z, -30, 30)))",
           expect="Z is clipped at +-30 before the exp"),
    Mutant("R16n history accuracy on the first 32 rows (the loss then mixes 32 outputs with m targets)",
           old="        AL, _ = model_forward(X, parameters, hidden_activation)\n"
               "        accuracy = float(np.mean((AL > 0.5) == (Y > 0.5)))",
           new="        AL, _ = model_forward(X[:32], parameters, hidden_activation)\n"
               "        accuracy = float(np.mean((AL > 0.5) == (Y[:32] > 0.5)))",
           expect="a fixed number of rows, 32, is used somewhere in train"),
    Mutant("R16n history loss and accuracy on the first 32 rows",
           old="        AL, _ = model_forward(X, parameters, hidden_activation)\n"
               "        accuracy = float(np.mean((AL > 0.5) == (Y > 0.5)))\n"
               "        return {\"epoch\": epoch, \"loss\": binary_cross_entropy(AL, Y)",
           new="        AL, _ = model_forward(X[:32], parameters, hidden_activation)\n"
               "        accuracy = float(np.mean((AL > 0.5) == (Y[:32] > 0.5)))\n"
               "        return {\"epoch\": epoch, \"loss\": binary_cross_entropy(AL, Y[:32])",
           expect="measured on the first 32 rows only"),
    Mutant("R16n history accuracy on a random sample of 40 rows",
           old="        accuracy = float(np.mean((AL > 0.5) == (Y > 0.5)))",
           new="        sub = np.random.default_rng(1).choice(m, size=min(m, 40), replace=False)\n"
               "        accuracy = float(np.mean((AL[sub] > 0.5) == (Y[sub] > 0.5)))",
           expect="every row of the history must be measured on all of X and Y"),
    Mutant("R16n mini-batch indices drawn with replacement (rng.choice)",
           old="            idx = order[first:first + size]\n",
           new="            idx = rng.choice(m, size=len(order[first:first + size]))\n",
           expect="drawn WITH replacement"),
    Mutant("R16n mini-batch indices drawn with replacement (rng.integers)",
           old="            idx = order[first:first + size]\n",
           new="            idx = rng.integers(0, m, size=len(order[first:first + size]))\n",
           expect="drawn WITH replacement"),
]
VARIANTS += [
    Variant("R16n sigmoid with the negative branch as 1 - 1 / (1 + E)",
            old=_SIG_STABLE,
            new="    E = np.exp(-np.abs(Z))\n    return np.where(Z >= 0, 1.0 / (1.0 + E), 1.0 - 1.0 / (1.0 + E))"),
    Variant("R16n sigmoid as the naive formula on Z clipped at +-100 (float64 values unchanged there)",
            old=_SIG_STABLE, new="    return 1.0 / (1.0 + np.exp(-np.clip(Z, -700, 100)))"),
]
MUTANTS += [
    Mutant("R16n model_backward reads caches[l] (the list index past the end at l = L)",
           old="        linear_cache, _ = caches[l - 1]\n", new="        linear_cache, _ = caches[l]\n",
           expect="so l reached 3 there: layer l's cache is caches[l - 1]"),
    Mutant("R16n model_forward starts from X.T (the columns-are-samples convention)",
           old="    L = len(parameters) // 2\n    A = X\n", new="    L = len(parameters) // 2\n    A = X.T\n",
           expect="X arrives transposed inside"),
    Mutant("R16n predict passes X.T to model_forward",
           old="    AL, _ = model_forward(X, parameters, hidden_activation)\n    return (AL > 0.5).astype(int)",
           new="    AL, _ = model_forward(X.T, parameters, hidden_activation)\n    return (AL > 0.5).astype(int)",
           expect="X arrives transposed inside"),
]

# --- round 16c (issue 15): layers in string order, ReLU'(0) = 0 stated, predict's integer labels and strict
# threshold (the docstring says "an integer array" and "above 0.5"), BCE's (m,) against (m, 1)
MUTANTS += [
    Mutant("model_forward walks sorted weight keys (W1, W10, W2: wrong order from 10 layers)",
           old="""    for l in range(1, L + 1):
        Z, linear_cache = linear_forward(A, parameters[f"W{l}"], parameters[f"b{l}"])""",
           new="""    for l, key in enumerate(sorted(k for k in parameters if k.startswith("W")), 1):
        Z, linear_cache = linear_forward(A, parameters[key], parameters["b" + key[1:]])""",
           expect=("string sort puts W10 before W2", "confirmed")),
    Mutant("model_forward walks sorted parameter items in pairs",
           old="""    for l in range(1, L + 1):
        Z, linear_cache = linear_forward(A, parameters[f"W{l}"], parameters[f"b{l}"])""",
           new="""    keys = sorted(parameters)
    for l in range(1, L + 1):
        Z, linear_cache = linear_forward(A, parameters[keys[l - 1]], parameters[keys[L + l - 1]])""",
           expect=("string sort puts W10 before W2", "confirmed")),
    Mutant("ReLU derivative np.heaviside(Z, 1) (1 at the kink)",
           old="return dA * (Z > 0)", new="return dA * np.heaviside(Z, 1)", expect="ReLU'(0) = 0"),
    Mutant("ReLU derivative with Z >= 0 (ReLU'(0) = 1, against the docstring)", old="return dA * (Z > 0)",
           new="return dA * (Z >= 0)", expect="ReLU'(0) = 0"),
    Mutant("predict returns booleans (no astype(int))",
           old="return (AL > 0.5).astype(int)", new="return AL > 0.5", expect=("booleans", "integer array")),
    Mutant("predict returns floats (AL > 0.5) * 1.0",
           old="return (AL > 0.5).astype(int)", new="return (AL > 0.5) * 1.0", expect=("floats", "integer array")),
    Mutant("predict with >= 0.5 (an output of exactly 0.5 becomes class 1)",
           old="return (AL > 0.5).astype(int)", new="return (AL >= 0.5).astype(int)",
           expect=("exactly 0.5", "not AL >= 0.5")),
]
MUTANTS += [
    Mutant("BCE flattens AL but not Y ((m,) against (m, 1) broadcasts to (m, m))",
           old="A = np.clip(AL, eps, 1.0 - eps)", new="A = np.clip(AL, eps, 1.0 - eps).ravel()",
           expect=("an (m,) array", "met an (m, 1) one", "keep AL and Y both (m, 1)")),
    Mutant("BCE flattens Y but not AL",
           old="return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))",
           new="Y = Y.ravel()\n    return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))",
           expect=("an (m,) array", "keep AL and Y both (m, 1)")),
]
MUTANTS += [
    Mutant("model_backward reads the caches of the layers in string order of their numbers",
           old="""    for l in range(L, 0, -1):
        linear_cache, _ = caches[l - 1]""",
           new="""    for l in sorted(range(1, L + 1), key=str, reverse=True):
        linear_cache, _ = caches[l - 1]""",
           expect=("networks of up to 3 layers above are right", "puts 10 before 2")),
]
MUTANTS += [
    # was a variant (R9 FV1) while the docstring left ReLU'(0) open: it now states ReLU'(0) = 0
    Mutant("activation_backward ReLU CS231n style zeroing only Z < 0 (ReLU'(0) = 1)", "        return dA * (Z > 0)",
           "        dZ = np.array(dA, copy=True)\n        dZ[Z < 0] = 0\n        return dZ", expect="ReLU'(0) = 0"),
]

# --- round 17b: the output dZ_L read per sample (0/1 labels in place of A_L), BCE-with-logits on probabilities,
# a history measured with the initial parameters
MUTANTS += [
    Mutant("R17b model_backward output gradient from the 0/1 predictions (AL > 0.5) - Y",
           old="dZ = (AL - Y) / m", new="dZ = ((AL > 0.5) - Y) / m",
           expect="with P a 0/1 label per sample"),
    Mutant("R17b model_backward output gradient from rounded predictions np.round(AL) - Y",
           old="dZ = (AL - Y) / m", new="dZ = (np.round(AL) - Y) / m",
           expect="with P a 0/1 label per sample"),
    Mutant("R17b BCE computed with the BCE-with-logits formula on the probabilities",
           old="    A = np.clip(AL, eps, 1.0 - eps)\n    return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))",
           new="    return float(np.mean(np.maximum(AL, 0) - AL * Y + np.log1p(np.exp(-np.abs(AL)))))",
           expect="BCE-with-logits formula"),
    Mutant("R17b train updates a copy named params but records the history with the caller's parameters",
           old='    parameters = {k: v.copy() for k, v in parameters.items()}   # the caller\'s stay untouched\n    size = m if batch_size is None else int(batch_size)\n    rng = np.random.default_rng(seed)\n    epoch_range = range(1, epochs + 1)\n    if progress_bar:\n        epoch_range = progress(epoch_range, desc=f"batch size {size}", leave=False)\n    start = time.perf_counter()\n\n    def record(epoch):\n        AL, _ = model_forward(X, parameters, hidden_activation)\n        accuracy = float(np.mean((AL > 0.5) == (Y > 0.5)))\n        return {"epoch": epoch, "loss": binary_cross_entropy(AL, Y), "accuracy": accuracy,\n                "seconds": time.perf_counter() - start}\n\n    rows = [record(0)]\n    for epoch in epoch_range:\n        order = rng.permutation(m)\n        for first in range(0, m, size):\n            idx = order[first:first + size]\n            AL, caches = model_forward(X[idx], parameters, hidden_activation)\n            grads = model_backward(AL, Y[idx], caches, hidden_activation)\n            parameters = update_parameters(parameters, grads, learning_rate)\n        rows.append(record(epoch))\n    return parameters, pd.DataFrame(rows)',
           new='    params = {k: v.copy() for k, v in parameters.items()}   # the caller\'s stay untouched\n    size = m if batch_size is None else int(batch_size)\n    rng = np.random.default_rng(seed)\n    epoch_range = range(1, epochs + 1)\n    if progress_bar:\n        epoch_range = progress(epoch_range, desc=f"batch size {size}", leave=False)\n    start = time.perf_counter()\n\n    def record(epoch):\n        AL, _ = model_forward(X, parameters, hidden_activation)\n        accuracy = float(np.mean((AL > 0.5) == (Y > 0.5)))\n        return {"epoch": epoch, "loss": binary_cross_entropy(AL, Y), "accuracy": accuracy,\n                "seconds": time.perf_counter() - start}\n\n    rows = [record(0)]\n    for epoch in epoch_range:\n        order = rng.permutation(m)\n        for first in range(0, m, size):\n            idx = order[first:first + size]\n            AL, caches = model_forward(X[idx], params, hidden_activation)\n            grads = model_backward(AL, Y[idx], caches, hidden_activation)\n            params = update_parameters(params, grads, learning_rate)\n        rows.append(record(epoch))\n    return params, pd.DataFrame(rows)',
           expect="the history is measured with the parameters train was given"),
    Mutant("R17b train accuracy measured with the initial parameters",
           old="    def record(epoch):\n        AL, _ = model_forward(X, parameters, hidden_activation)\n        accuracy = float(np.mean((AL > 0.5) == (Y > 0.5)))",
           new="    def record(epoch, initial={k: v.copy() for k, v in parameters.items()}):\n        AL, _ = model_forward(X, parameters, hidden_activation)\n        accuracy = float(np.mean((model_forward(X, initial, hidden_activation)[0] > 0.5) == (Y > 0.5)))",
           expect="the history is measured with the parameters train was given"),
]

# Round 17b (helper j): what model_backward hands its building blocks (each caches entry is (linear_cache, Z)),
# a TypeError between Python values told as such (no shape / wrong-layer hint), keys built with str + int.
MUTANTS += [
    Mutant("R17j model_backward unpacks the layer below's cache pair the wrong way round (Z_prev, _ = caches[l - 2])",
           old="_, Z_prev = caches[l - 2]",
           new="Z_prev, _ = caches[l - 2]",
           expect=("activation_backward was given a tuple of 3 values as Z", "(linear_cache, activation_cache)")),
    Mutant("R17j model_backward takes the linear cache from the wrong half of the pair (_, linear_cache = caches[l - 1])",
           old="linear_cache, _ = caches[l - 1]",
           new="_, linear_cache = caches[l - 1]",
           expect=("linear_backward was given an array of shape", "(linear_cache, activation_cache)")),
    Mutant("R17j model_forward builds the keys with \"W\" + l (int: TypeError)",
           old='Z, linear_cache = linear_forward(A, parameters[f"W{l}"], parameters[f"b{l}"])',
           new='Z, linear_cache = linear_forward(A, parameters["W" + l], parameters["b" + l])',
           expect=("A string and an integer were joined with +", "'W' + str(l)")),
    Mutant("R17j model_backward files the gradients under \"dW\" + l (int: TypeError)",
           old='dA_prev, grads[f"dW{l}"], grads[f"db{l}"] = linear_backward(dZ, linear_cache)',
           new='dA_prev, grads["dW" + l], grads["db" + l] = linear_backward(dZ, linear_cache)',
           expect=("A string and an integer were joined with +", "'W' + str(l)")),
]
VARIANTS += [
    # The docstring lists "sigmoid", "tanh" or "relu" and promises nothing for another name (as R13b for the
    # initialisation methods): no ValueError is asked for.
    Variant("R17j activation_forward treats an unknown activation as linear (no ValueError)",
            old='    else:\n        raise ValueError(f"unknown activation {activation!r}")\n    return A, Z',
            new='    else:\n        A = Z  # anything else: linear\n    return A, Z'),
]
MUTANTS += [
    Mutant("R17j linear_forward writes Z into a module-level buffer reused across calls of the same shape",
           old="    Z = A_prev @ W + b\n    return Z, (A_prev, W, b)",
           new="    global _Z_BUF\n    shape, dtype = (A_prev.shape[0], W.shape[1]), np.result_type(A_prev, W, b)\n    if \"_Z_BUF\" not in globals() or _Z_BUF.shape != shape or _Z_BUF.dtype != dtype:\n        _Z_BUF = np.empty(shape, dtype=dtype)\n    np.matmul(A_prev, W, out=_Z_BUF)\n    _Z_BUF += b\n    return _Z_BUF, (A_prev, W, b)",
           expect=("linear_forward(A_prev (5, 3), W (3, 4), b (1, 4)), called twice", "buffer kept between calls")),
    Mutant("R17j activation_backward (relu) multiplies into a default-argument buffer",
           old="    if activation == \"relu\":\n        return dA * (Z > 0)\n    raise ValueError(f\"unknown activation {activation!r}\")",
           new="    if activation == \"relu\":\n        key = (dA.shape, dA.dtype)\n        if key not in _BUFS:\n            _BUFS[key] = np.empty_like(dA)\n        return np.multiply(dA, Z > 0, out=_BUFS[key])\n    raise ValueError(f\"unknown activation {activation!r}\")\n\n\n_BUFS = {}",
           expect=("activation_backward(dA (4, 3), Z (4, 3), 'relu'), called twice", "buffer kept between calls")),
]
MUTANTS += [
    Mutant("R17q linear_forward adds the bias to the input before the product ((A_prev + b) @ W)",
           old="Z = A_prev @ W + b\n",
           new="Z = (A_prev + b) @ W\n",
           expect="the bias is added to the input before the product"),
    Mutant("R17q model_backward dZ_L = np.mean(AL - Y) (a 0-d number, not the per-sample (AL - Y) / m)",
           old="dZ = (AL - Y) / m\n",
           new="dZ = np.mean(AL - Y)\n",
           expect=("the linear_backward call of the output layer", "was given dZ of shape ()", "np.mean")),
    Mutant("R17q model_backward dZ_L = (AL - Y).sum(axis=1) / m (the column dropped: shape (m,))",
           old="dZ = (AL - Y) / m\n",
           new="dZ = (AL - Y).sum(axis=1) / m\n",
           expect=("the linear_backward call of the output layer", "was given dZ of shape (")),
]
MUTANTS += [
    Mutant("R17q train history accuracy as the count of correct predictions (sum, not mean)",
           old="accuracy = float(np.mean((AL > 0.5) == (Y > 0.5)))",
           new="accuracy = float(np.sum((AL > 0.5) == (Y > 0.5)))",
           expect="the count of correct predictions"),
]
MUTANTS += [
    Mutant("R17q train copies the caller's parameters at the start of every epoch (progress reset each epoch)",
           old='    parameters = {k: v.copy() for k, v in parameters.items()}   # the caller\'s stay untouched\n    size = m if batch_size is None else int(batch_size)\n    rng = np.random.default_rng(seed)\n    epoch_range = range(1, epochs + 1)\n    if progress_bar:\n        epoch_range = progress(epoch_range, desc=f"batch size {size}", leave=False)\n    start = time.perf_counter()\n\n    def record(epoch):\n        AL, _ = model_forward(X, parameters, hidden_activation)\n        accuracy = float(np.mean((AL > 0.5) == (Y > 0.5)))\n        return {"epoch": epoch, "loss": binary_cross_entropy(AL, Y), "accuracy": accuracy,\n                "seconds": time.perf_counter() - start}\n\n    rows = [record(0)]\n    for epoch in epoch_range:\n        order = rng.permutation(m)\n',
           new='    initial = parameters\n    parameters = {k: v.copy() for k, v in initial.items()}   # the caller\'s stay untouched\n    size = m if batch_size is None else int(batch_size)\n    rng = np.random.default_rng(seed)\n    epoch_range = range(1, epochs + 1)\n    if progress_bar:\n        epoch_range = progress(epoch_range, desc=f"batch size {size}", leave=False)\n    start = time.perf_counter()\n\n    def record(epoch):\n        AL, _ = model_forward(X, parameters, hidden_activation)\n        accuracy = float(np.mean((AL > 0.5) == (Y > 0.5)))\n        return {"epoch": epoch, "loss": binary_cross_entropy(AL, Y), "accuracy": accuracy,\n                "seconds": time.perf_counter() - start}\n\n    rows = [record(0)]\n    for epoch in epoch_range:\n        parameters = {k: v.copy() for k, v in initial.items()}   # fresh copy for this epoch\n        order = rng.permutation(m)\n',
           expect="previous one ended"),
]

# Round 18 (m18b held-out probes, now catalogued): state kept between calls, progress_bar, precision.
MUTANTS += [
    Mutant("R18b train wraps range(epochs) in the progress bar branch (epochs 0..epochs-1, only with progress_bar=True)",
           old="        epoch_range = progress(epoch_range, desc=f\"batch size {size}\", leave=False)\n",
           new="        epoch_range = progress(range(epochs), desc=f\"batch size {size}\", leave=False)\n",
           expect=("with progress_bar=True", "the progress_bar branch changes the epochs")),
    Mutant("R18b train runs one epoch more with the progress bar (range(epochs + 1) in that branch)",
           old="        epoch_range = progress(epoch_range, desc=f\"batch size {size}\", leave=False)\n",
           new="        epoch_range = progress(range(1, epochs + 2), desc=f\"batch size {size}\", leave=False)\n",
           expect="the progress_bar branch changes the epochs"),
    Mutant("R18b model_forward caches as a mutable default argument (list grows across calls)",
           old="def model_forward(X, parameters, hidden_activation=\"relu\"):\n",
           new="def model_forward(X, parameters, hidden_activation=\"relu\", caches=[]):\n",
           also=[("    L = len(parameters) // 2\n    A = X\n    caches = []\n", "    L = len(parameters) // 2\n    A = X\n")],
           expect=("keeps the previous call's entries", "default argument caches=[]")),
    Mutant("R18b model_forward appends to a module-level caches list (list grows across calls)",
           old="def model_forward(X, parameters, hidden_activation=\"relu\"):\n",
           new="_CACHES = []\n\n\ndef model_forward(X, parameters, hidden_activation=\"relu\"):\n",
           also=[("    L = len(parameters) // 2\n    A = X\n    caches = []\n",
                  "    L = len(parameters) // 2\n    A = X\n    caches = _CACHES\n")],
           expect="keeps the previous call's entries"),
]
# Round 18: every building block asked again on the same arrays changed in place (_state_after_change).
MUTANTS += [
    Mutant("R18b linear_forward keeps a transposed copy of W per array id (an in-place update of W is not seen)",
           old="    Z = A_prev @ W + b\n    return Z, (A_prev, W, b)\n",
           new="    key = id(W)\n    if key not in _WT:\n        _WT[key] = (W, W.T.copy())\n"
               "    Z = (_WT[key][1] @ A_prev.T).T + b\n    return Z, (A_prev, W, b)\n",
           also=[("def linear_forward(A_prev, W, b):\n", "_WT = {}\n\n\ndef linear_forward(A_prev, W, b):\n")],
           expect=("changed in place", "state kept between calls")),
    Mutant("R18b activation_backward memoises the tanh derivative per Z array id",
           old="        return dA * (1.0 - np.tanh(Z) ** 2)\n",
           new="        if id(Z) not in _D:\n            _D[id(Z)] = (Z, 1.0 - np.tanh(Z) ** 2)\n"
               "        return dA * _D[id(Z)][1]\n",
           also=[("def activation_backward(", "_D = {}\n\n\ndef activation_backward(")],
           expect=("changed in place", "state kept between calls")),
]
MUTANTS += [
    Mutant("R18b train history rows as a default argument (the history grows across calls)",
           old="          hidden_activation=\"relu\", seed=0, progress_bar=False):\n",
           new="          hidden_activation=\"relu\", seed=0, progress_bar=False, rows=[]):\n",
           also=[("    rows = [record(0)]\n", "    rows.append(record(0))\n")],
           expect="keeps the rows of earlier calls"),
]
# Round 18 fix (m18f held-out): a fan slip read on small fans, a mean divided by another count, the accuracy
# column read as another number, rows of X shuffled in place.
MUTANTS += [
    Mutant("f18-04-24 He std counts the bias in the fan-in: sqrt(2 / (n_in + 1))",
           old="std = np.sqrt(2.0 / n_in)",
           new="std = np.sqrt(2.0 / (n_in + 1))",
           expect=("sqrt(2 / (n_in + 1)), not sqrt(2 / n_in)", "the bias is not part of the fan-in")),
    Mutant("R18f He std with the fan-in less one: sqrt(2 / (n_in - 1))",
           old="std = np.sqrt(2.0 / n_in)",
           new="std = np.sqrt(2.0 / max(n_in - 1, 1))",
           expect="sqrt(2 / (n_in - 1)), not sqrt(2 / n_in)"),
    Mutant("R18f Xavier std counts the bias in the fan-in: sqrt(2 / (n_in + n_out + 1))",
           old="std = np.sqrt(2.0 / (n_in + n_out))",
           new="std = np.sqrt(2.0 / (n_in + n_out + 1))",
           expect="sqrt(2 / (n_in + n_out + 1)), not sqrt(2 / (n_in + n_out))"),
    Mutant("f18-04-06 BCE divided by m - 1 (the unbiased-variance habit)",
           old="return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))",
           new="return float(-np.sum(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)) / (len(Y) - 1))",
           expect=("you divided by m - 1", "not a lack of numerical stability")),
    Mutant("R18f BCE divided by m + 1",
           old="return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))",
           new="return float(-np.sum(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)) / (len(Y) + 1))",
           expect="you divided by m + 1"),
    Mutant("f18-04-16 train history accuracy as np.mean(AL > 0.5) (share predicted positive, Y never compared)",
           old="accuracy = float(np.mean((AL > 0.5) == (Y > 0.5)))",
           new="accuracy = float(np.mean(AL > 0.5))",
           expect=("equals mean(AL > 0.5)", "Y is never compared")),
    Mutant("R18f train history accuracy as np.mean(AL) (the mean probability, never thresholded)",
           old="accuracy = float(np.mean((AL > 0.5) == (Y > 0.5)))",
           new="accuracy = float(np.mean(AL))",
           expect="equals mean(AL), the mean predicted probability"),
    Mutant("f18-04-23 train shuffles X in place with rng.shuffle (caller's X changed, Y left in order)",
           old="            idx = order[first:first + size]\n",
           new="            rng.shuffle(X) if first == 0 else None\n            idx = np.arange(m)[first:first + size]\n",
           expect=("shuffled in place", "the (x, y) pairing is broken")),
]
# Round 18 fix (m18i held-out): a loss that is right on paper but underflows on many rows; an order reused across
# epochs (alternating); train transforming the caller's X (history row 0 read on the caller's X).
MUTANTS += [
    Mutant("i18-04-11 BCE as minus the log of the product of the likelihoods (underflows for many samples)",
           old="return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))",
           new="likelihood = np.prod(np.where(Y == 1, A, 1.0 - A))\n    return float(-np.log(likelihood) / Y.shape[0])",
           expect=("a mean of logs, not the log of a product", "underflows")),
    Mutant("i18-04-14 train keeps one permutation and reverses it every epoch",
           old="    rows = [record(0)]\n    for epoch in epoch_range:\n        order = rng.permutation(m)\n",
           new="    rows = [record(0)]\n    order = rng.permutation(m)\n    for epoch in epoch_range:\n"
               "        order = order[::-1]\n",
           expect=("epoch 3 visits exactly the same mini-batches as epoch 1", "alternate between two orders")),
    Mutant("i18-04-15 train alternates between two fixed permutations",
           old="    rows = [record(0)]\n    for epoch in epoch_range:\n        order = rng.permutation(m)\n",
           new="    rows = [record(0)]\n    orders = [rng.permutation(m), rng.permutation(m)]\n    for epoch in epoch_range:\n"
               "        order = orders[epoch % 2]\n",
           expect=("visits exactly the same mini-batches as epoch",)),
    Mutant("i18-04-13 train standardises the features of X before training",
           old="    m = X.shape[0]\n    parameters = {k: v.copy()",
           new="    X = (X - X.mean(axis=0)) / (X.std(axis=0) + 1e-8)  # feature scaling helps GD\n"
               "    m = X.shape[0]\n    parameters = {k: v.copy()",
           expect=("train transformed X before training", "standardised")),
    Mutant("i18-04-16 train centres the features of X before training",
           old="    m = X.shape[0]\n    parameters = {k: v.copy()",
           new="    X = X - X.mean(axis=0)\n    m = X.shape[0]\n    parameters = {k: v.copy()",
           expect=("train transformed X before training", "centred")),
]
# Round 19 fix (m19b held-out): a velocity kept across steps (successive steps fitted to -lr g_t + beta delta_(t-1));
# the parameters' dtype changed by train's copy (docstring: the dtype of those given); batch_size read as the number
# of batches (batch_size = m counted on identical samples).  Out of spec, left: activation_forward accepting an
# unknown name (lead decision: the docstring promises no ValueError).
MUTANTS += [
    Mutant("b19-04-09 train adds momentum (velocity 0.9, kept across steps) to plain gradient descent",
           old="            grads = model_backward(AL, Y[idx], caches, hidden_activation)\n"
               "            parameters = update_parameters(parameters, grads, learning_rate)\n",
           new="            grads = model_backward(AL, Y[idx], caches, hidden_activation)\n"
               "            for k in parameters:\n"
               "                velocity[k] = 0.9 * velocity.get(k, 0.0) + grads['d' + k]\n"
               "                grads['d' + k] = velocity[k]\n"
               "            parameters = update_parameters(parameters, grads, learning_rate)\n",
           expect=("carries over a fraction of the previous step (momentum)", "0.9 * (the previous update)"),
           also=(("    rows = [record(0)]\n", "    velocity = {}\n    rows = [record(0)]\n"),)),
    Mutant("R19c-04-1 train with an exponential-average velocity v = 0.5 v + 0.5 g",
           old="            grads = model_backward(AL, Y[idx], caches, hidden_activation)\n"
               "            parameters = update_parameters(parameters, grads, learning_rate)\n",
           new="            grads = model_backward(AL, Y[idx], caches, hidden_activation)\n"
               "            for k in parameters:\n"
               "                velocity[k] = 0.5 * velocity.get(k, 0.0) + 0.5 * grads['d' + k]\n"
               "                grads['d' + k] = velocity[k]\n"
               "            parameters = update_parameters(parameters, grads, learning_rate)\n",
           expect=("carries over a fraction of the previous step (momentum)", "0.5 * learning_rate * gradient"),
           also=(("    rows = [record(0)]\n", "    velocity = {}\n    rows = [record(0)]\n"),)),
    Mutant("R19c-04-9 train with a velocity reset at every epoch (momentum within the epoch only)",
           old="            grads = model_backward(AL, Y[idx], caches, hidden_activation)\n"
               "            parameters = update_parameters(parameters, grads, learning_rate)\n",
           new="            grads = model_backward(AL, Y[idx], caches, hidden_activation)\n"
               "            for k in parameters:\n"
               "                velocity[k] = 0.9 * velocity.get(k, 0.0) + grads['d' + k]\n"
               "                grads['d' + k] = velocity[k]\n"
               "            parameters = update_parameters(parameters, grads, learning_rate)\n",
           expect=("carries over a fraction of the previous step (momentum)", "one epoch of batch_size=1"),
           also=(("        order = rng.permutation(m)\n", "        order = rng.permutation(m)\n        velocity = {}\n"),)),
    Mutant("b19-04-10 train copies the parameters as float32 (astype) 'for speed'",
           old="parameters = {k: v.copy() for k, v in parameters.items()}",
           new="parameters = {k: v.astype(np.float32) for k, v in parameters.items()}",
           expect=("the parameters returned have dtype float32", "where those given are float64")),
    Mutant("R19c-04-2 train copies the parameters with np.array(v, dtype=np.float32)",
           old="parameters = {k: v.copy() for k, v in parameters.items()}",
           new="parameters = {k: np.array(v, dtype=np.float32) for k, v in parameters.items()}",
           expect=("the parameters returned have dtype float32",)),
    Mutant("b19-04-11 train reads batch_size as the number of batches (size = ceil(m / batch_size))",
           old="size = m if batch_size is None else int(batch_size)",
           new="size = m if batch_size is None else -(-m // int(batch_size))",
           expect=("batch_size = m gave m updates per epoch", "not the number of batches")),
    Mutant("R19c-04-3 train reads batch_size as the number of batches (size = m // batch_size)",
           old="size = m if batch_size is None else int(batch_size)",
           new="size = m if batch_size is None else max(1, m // int(batch_size))",
           expect=("batch_size = m gave m updates per epoch", "not the number of batches")),
]
# The same classes asked of the lab's other functions: a rounded result (every _expect_close and sigmoid's float64
# check), the helper sigmoid's "Z of any shape".
MUTANTS += [
    Mutant("R19c-04-4 sigmoid rounds its result to 6 decimals",
           old="    return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))",
           new="    return np.round(np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E)), 6)",
           expect=("rounded to 6 decimals",)),
    Mutant("R19c-04-5 linear_backward rounds dW to 5 decimals",
           old="dW = A_prev.T @ dZ", new="dW = np.round(A_prev.T @ dZ, 5)",
           expect=("dW: your values are the expected ones rounded to 5 decimals",)),
    Mutant("R19c-04-6 update_parameters rounds the parameters to 6 decimals",
           old='parameters[key] -= learning_rate * grads["d" + key]',
           new='parameters[key] -= learning_rate * grads["d" + key]\n'
               '        parameters[key][...] = np.round(parameters[key], 6)',
           expect=("rounded to 6 decimals",)),
    Mutant("R19c-04-8 update_parameters returns float32 parameters (new arrays cast)",
           old='parameters[key] -= learning_rate * grads["d" + key]',
           new='parameters[key] = (parameters[key] - learning_rate * grads["d" + key]).astype(np.float32)',
           expect=("W1 came back as float32 for float64 parameters",)),
    Mutant("R19c-04-7 sigmoid through einsum 'ij->ij' (2-D only, the docstring says any shape)",
           old="    return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))",
           new="    return np.einsum('ij->ij', np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E)))",
           expect=("your sigmoid assumes 2-D input",)),
]
VARIANTS += [
    Variant("R19c-04-V1 train copies the parameters with np.array(v, dtype=np.float64)",
            old="parameters = {k: v.copy() for k, v in parameters.items()}",
            new="parameters = {k: np.array(v, dtype=np.float64) for k, v in parameters.items()}"),
    Variant("R19c-04-V2 train copies with copy.deepcopy",
            old="parameters = {k: v.copy() for k, v in parameters.items()}",
            new="import copy\n    parameters = copy.deepcopy(parameters)"),
]
# round 19f: predict returning np.where's index tuple; train cutting mini-batches of equal size only
MUTANTS += [
    Mutant("f19-04-09 predict returns np.where(AL > 0.5) (indices, the 1/0 arguments forgotten)",
           old="return (AL > 0.5).astype(int)",
           new="return np.where(AL > 0.5)",
           expect="np.where(cond) with one argument returns the indices"),
    Mutant("f19-04-10 train cuts the permutation with order.reshape(-1, size) (only when size divides m)",
           old="""        for first in range(0, m, size):
            idx = order[first:first + size]
""",
           new="""        for idx in order.reshape(-1, size):
""",
           expect="keep the last, smaller batch"),
    Mutant("f19f-04-3 train cuts the permutation with order.reshape(m // size, size)",
           old="""        for first in range(0, m, size):
            idx = order[first:first + size]
""",
           new="""        for idx in order.reshape(m // size, size):
""",
           expect="keep the last, smaller batch"),
]
# round 20b: seed 0 is a seed; state kept between calls of the composite loops (the first case asked again);
# the BCE of the batch means; a per-sample loop whose count is another size (asked again with pairwise sizes)
MUTANTS += [
    Mutant("r20b-04-1 initialize_parameters: default_rng(seed or None) (seed 0 treated as 'no seed')",
           old="rng = np.random.default_rng(seed)\n    parameters = {}",
           new="rng = np.random.default_rng(seed or None)  # no seed given -> fresh randomness\n    parameters = {}",
           expect="seed 0 is a seed like any other"),
    Mutant("r20b-04-2 model_backward accumulates gradients across calls (a dict kept on the function)",
           old="    grads = {}\n",
           new="    grads = model_backward.__dict__.setdefault('acc', {})  # running gradient buffers\n",
           also=[("        dA_prev, grads[f\"dW{l}\"], grads[f\"db{l}\"] = linear_backward(dZ, linear_cache)\n",
                  "        dA_prev, dW, db = linear_backward(dZ, linear_cache)\n"
                  "        grads[f\"dW{l}\"] = grads.get(f\"dW{l}\", 0) + dW\n"
                  "        grads[f\"db{l}\"] = grads.get(f\"db{l}\", 0) + db\n")],
           expect="model_backward keeps state between calls"),
    Mutant("r20b-04-3 BCE of the batch-mean probability (log of means, not mean of logs)",
           old="return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))",
           new="return float(-(np.mean(Y) * np.log(np.mean(A)) + (1.0 - np.mean(Y)) * np.log(1.0 - np.mean(A))))",
           expect="cross-entropy of the batch means"),
    Mutant("r20b-04-4 linear_backward dW by per-sample outer products over range(n) (units, not samples)",
           old="    dW = A_prev.T @ dZ\n",
           new="    dW = sum(np.outer(A_prev[i], dZ[i]) for i in range(dZ.shape[1]))\n",
           expect="the loop counts to n = dZ.shape[1]"),
]
MUTANTS += [
    Mutant("r20b-04-5 model_forward reads the layer count once (kept on the function)",
           old="    L = len(parameters) // 2\n    A = X\n",
           new="    model_forward.L = getattr(model_forward, 'L', len(parameters) // 2)\n    L = model_forward.L\n    A = X\n",
           expect="model_forward keeps state between calls: model_forward.L = 3"),
    Mutant("r20b-04-6 model_backward reads the layer count once (kept on the function)",
           old="    L = len(caches)\n",
           new="    model_backward.L = getattr(model_backward, 'L', len(caches))\n    L = model_backward.L\n",
           expect="model_backward keeps state between calls: model_backward.L = 3"),
]
MUTANTS += [
    Mutant("r20b-04-7 train: default_rng(seed or None) (seed 0 treated as 'no seed')",
           old="    rng = np.random.default_rng(seed)\n    epoch_range",
           new="    rng = np.random.default_rng(seed or None)\n    epoch_range",
           expect="two runs with seed=0 differ"),
]
MUTANTS += [
    Mutant("r20f-04-1 predict default hidden_activation 'tanh' (the documented default is relu)",
           old='def predict(X, parameters, hidden_activation="relu"):',
           new='def predict(X, parameters, hidden_activation="tanh"):',
           expect="predict(X, parameters) without hidden_activation must behave as hidden_activation='relu'"),
    Mutant("r20f-04-2 model_backward default hidden_activation 'sigmoid' (the documented default is relu)",
           old='def model_backward(AL, Y, caches, hidden_activation="relu"):',
           new='def model_backward(AL, Y, caches, hidden_activation="sigmoid"):',
           expect="model_backward(AL, Y, caches) without hidden_activation must behave as hidden_activation='relu'"),
]
MUTANTS += [
    Mutant("r20f-04-3 initialize_parameters 'random' with std 0.1 (a slip of the constant 0.01)",
           old="std = 0.01", new="std = 0.1",
           expect="W1 has standard deviation 0.1001 where the docstring says 0.01 for 'random'"),
]
MUTANTS += [
    Mutant("r20f-04-4 update_parameters learning_rate - grad (operator slip for *)",
           old='parameters[key] -= learning_rate * grads["d" + key]',
           new='parameters[key] -= learning_rate - grads["d" + key]',
           expect="the update subtracts learning_rate - dP instead of learning_rate * dP"),
    Mutant("r20f-04-5 update_parameters learning_rate + grad (operator slip for *)",
           old='parameters[key] -= learning_rate * grads["d" + key]',
           new='parameters[key] -= learning_rate + grads["d" + key]',
           expect="a step with a constant part -0.37"),
]
MUTANTS += [
    Mutant("r20f-04-6 activation_forward tanh via 2 sigmoid(2Z - 1) (bracket slip in 2 sigmoid(2Z) - 1)",
           old="A = np.tanh(Z)", new="A = 2.0 * sigmoid(2.0 * Z - 1.0)",
           expect="your A is 2 * sigmoid(2 * Z - 1) at every one of 13 points"),
    Mutant("r20f-04-7 activation_forward tanh as 2 sigmoid(Z) - 1 (tanh(Z / 2): the inner factor 2 missing)",
           old="A = np.tanh(Z)", new="A = 2.0 * sigmoid(Z) - 1.0",
           expect="your A is 2 * sigmoid(1 * Z) - 1 at every one of 13 points"),
]
MUTANTS += [
    Mutant("r20f-04-8 train default learning_rate 0.01",
           old="def train(X, Y, parameters, learning_rate=0.1, epochs=100,",
           new="def train(X, Y, parameters, learning_rate=0.01, epochs=100,",
           expect="without learning_rate must behave as learning_rate=0.1"),
    Mutant("r20f-04-9 train default epochs 10",
           old="def train(X, Y, parameters, learning_rate=0.1, epochs=100,",
           new="def train(X, Y, parameters, learning_rate=0.1, epochs=10,",
           expect="without epochs must behave as epochs=100, the documented default (its history has 11 rows, not 101)"),
    Mutant("r20f-04-11 train default seed 1",
           old='          hidden_activation="relu", seed=0, progress_bar=False):',
           new='          hidden_activation="relu", seed=1, progress_bar=False):',
           expect="without seed must behave as seed=0"),
]
MUTANTS += [
    # confirmed on layer 2 (other sizes): told; 'random''s constant 0.1 = sqrt(0.01) is not (r20f-04-3)
    Mutant("r20f-04-12 He std with a square root too many",
           old="std = np.sqrt(2.0 / n_in)\n", new="std = np.sqrt(np.sqrt(2.0 / n_in))\n",
           expect="the square root of the expected one"),
]

# --- round 22 held-out set (helper d): realistic mistakes and variants written before reading this zoo, none
# duplicating it; sources: deeplearning.ai deep-network assignment habits (column biases, squeeze, dAL,
# costs every 100 iterations, L2 regularisation week), Stack Overflow mini-batch recipes, typos (* for **)
MUTANTS += [
    # initialize_parameters
    Mutant("r22d-04 init_xavier_branch_capitalised",          # "Xavier" never matches: xavier passes validation, gets He
           'elif method == "xavier":', 'elif method == "Xavier":',
           expect=("xavier",)),
    # ones where zeros belong (np.ones / np.zeros slip)
    Mutant("r22d-04 init_biases_ones",
           'parameters[f"b{l}"] = np.zeros((1, n_out))', 'parameters[f"b{l}"] = np.ones((1, n_out))',
           expect=("bias", "zero")),
    # linear_forward
    Mutant("r22d-04 linear_forward_squeeze",                  # Coursera squeeze habit: (m, 1) becomes (m,)
           "    Z = A_prev @ W + b\n    return Z", "    Z = np.squeeze(A_prev @ W + b)\n    return Z",
           expect=("squeeze", "shape", "(m, 1)", "(m, n)")),
    # sigmoid / activation_forward
    Mutant("r22d-04 sigmoid_negative_branch_reciprocal",       # 1 / (1 + 1/E): 1/E divides by zero once E underflows
           "E / (1.0 + E))", "1.0 / (1.0 + 1.0 / E))",
           expect=("divide", "division by zero", "overflow", "warning", "1 / e")),
    # model_forward (two-layer template: only layer 1 treated as hidden)
    # two-layer template kept for L layers: hidden_activation only where l == 1
    Mutant("r22d-04 model_forward_hidden_only_layer_1",
           'hidden_activation if l < L else "sigmoid"', 'hidden_activation if l == 1 else "sigmoid"',
           expect=("hidden", "every hidden layer", "layer 2", "sigmoid")),
    # binary_cross_entropy
    # Stack Overflow's np.nan_to_num 'fix' for log(0) instead of clipping
    Mutant("r22d-04 bce_nan_to_num_instead_of_clip",
           "A = np.clip(AL, eps, 1.0 - eps)\n    return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))",
           "A = AL\n    return float(-np.mean(np.nan_to_num(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A))))",
           expect=("log(0)", "clip", "divide", "eps")),
    # linear_backward
    Mutant("r22d-04 linear_backward_dA_divided_by_m",          # 1/m sprinkled on the propagated gradient too
           "dA_prev = dZ @ W.T", "dA_prev = dZ @ W.T / A_prev.shape[0]",
           expect=("1/m", "divid", "m ")),
    # activation_backward
    Mutant("r22d-04 tanh_backward_times_two",                  # ** typed as *
           "(1.0 - np.tanh(Z) ** 2)", "(1.0 - np.tanh(Z) * 2)",
           expect=("tanh", "square", "** 2")),
    # precedence slip: s * 1 - s for s * (1 - s)
    Mutant("r22d-04 sigmoid_backward_bracket_lost",
           "return dA * s * (1.0 - s)", "return dA * s * 1.0 - s",
           expect=("bracket", "parenthes", "s(1 - s)", "s (1 - s)", "sigmoid")),
    # model_backward
    Mutant("r22d-04 model_backward_dW_transposed",             # column-convention habit: dW stored as (n_l, n_{l-1})
           'dA_prev, grads[f"dW{l}"], grads[f"db{l}"] = linear_backward(dZ, linear_cache)',
           'dA_prev, dW, grads[f"db{l}"] = linear_backward(dZ, linear_cache)\n        grads[f"dW{l}"] = dW.T',
           expect=("transpose", "shape")),
    # dA kept local (deeplearning.ai's grads['dA' + str(l)] never written)
    Mutant("r22d-04 model_backward_no_dA_keys",
           '        grads[f"dA{l - 1}"] = dA_prev\n', "",
           expect=("da0", "da1", "missing", "key")),
    # update_parameters (Coursera regularisation week habit: L2 weight decay)
    # deeplearning.ai regularisation week: lambda * W added to dW (here to every parameter)
    Mutant("r22d-04 update_weight_decay",
           'parameters[key] -= learning_rate * grads["d" + key]',
           'parameters[key] -= learning_rate * (grads["d" + key] + 0.01 * parameters[key])',
           expect=("weight decay", "regular", "extra term", "l2", "p - lr")),
    # train
    Mutant("r22d-04 train_history_every_10_epochs",           # Coursera prints/stores the cost every 100 iterations
           "        rows.append(record(epoch))", "        if epoch % 10 == 0:\n            rows.append(record(epoch))",
           expect=("epochs + 1", "every epoch", "rows", "row")),
    # pandas habit: the epoch column turned into the index
    Mutant("r22d-04 train_history_indexed_by_epoch",
           "return parameters, pd.DataFrame(rows)", 'return parameters, pd.DataFrame(rows).set_index("epoch")',
           expect=("epoch", "column", "index")),
    Mutant("r22d-04 train_forward_on_whole_X",                 # batch sliced for Y only: (m, 1) - (k, 1) broadcasts for k = 1
           "AL, caches = model_forward(X[idx], parameters, hidden_activation)",
           "AL, caches = model_forward(X, parameters, hidden_activation)",
           expect=("batch", "slice", "x[idx]", "rows")),
]
VARIANTS += [
    Variant("r22d-04 init_generator_per_layer",               # np.random.default_rng([seed, l]): reproducible, independent layers
            "    rng = np.random.default_rng(seed)\n    parameters = {}\n    for l in range(1, len(layer_dims)):\n",
            "    parameters = {}\n    for l in range(1, len(layer_dims)):\n        rng = np.random.default_rng([seed, l])\n"),
    # b as a 1-d row: broadcasts the same
    Variant("r22d-04 linear_forward_b_ravel", "    Z = A_prev @ W + b\n    return Z", "    Z = A_prev @ W + b.ravel()\n    return Z"),
    # Z > 0 in the stable sigmoid's np.where: both branches give 0.5 at 0
    Variant("r22d-04 sigmoid_where_strict", "np.where(Z >= 0, 1.0 / (1.0 + E)", "np.where(Z > 0, 1.0 / (1.0 + E)"),
    # ReLU as (Z + |Z|) / 2
    Variant("r22d-04 relu_abs_mean", "A = np.maximum(Z, 0.0)", "A = (Z + np.abs(Z)) / 2"),
    # the two BCE terms averaged separately
    Variant("r22d-04 bce_two_means",
            "return float(-np.mean(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)))",
            "return float(-np.mean(Y * np.log(A)) - np.mean((1.0 - Y) * np.log(1.0 - A)))"),
    # m from len(Y)
    Variant("r22d-04 model_backward_m_len_Y", "m = AL.shape[0]", "m = len(Y)"),
    # an unsigned integer dtype for the labels
    Variant("r22d-04 predict_uint8", "return (AL > 0.5).astype(int)", "return (AL > 0.5).astype(np.uint8)"),
    # batch count by ceil(m / size), sliced by batch number
    Variant("r22d-04 train_batches_by_ceil",
            "        for first in range(0, m, size):\n            idx = order[first:first + size]\n",
            "        for k in range(int(np.ceil(m / size))):\n            idx = order[k * size:(k + 1) * size]\n"),
    # batch rows sorted (the same rows, the same gradient)
    Variant("r22d-04 train_sorted_batch_indices",
            "idx = order[first:first + size]", "idx = np.sort(order[first:first + size])"),
    # wall clock from time.time()
    Variant("r22d-04 train_time_time",
            "    start = time.perf_counter()\n", "    start = time.time()\n",
            also=(('"seconds": time.perf_counter() - start', '"seconds": time.time() - start'),)),
    # accuracy compared with the 0/1 targets directly
    Variant("r22d-04 train_accuracy_against_Y", "accuracy = float(np.mean((AL > 0.5) == (Y > 0.5)))",
            "accuracy = float(np.mean((AL > 0.5) == Y))"),
    # r22d held-out: a right value reached through an overflow warning passes in activation_backward
    # (_large_z_derivative, maintainers' 561d1d0), as dA / cosh(Z)**2 does: held out as a mistake, kept as a variant
    Variant("r22d-04 sigmoid backward re-derives s with the naive formula (overflow warning, right values)",
            "        s = sigmoid(Z)\n", "        s = 1.0 / (1.0 + np.exp(-Z))\n"),
]
