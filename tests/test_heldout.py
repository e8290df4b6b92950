"""`python -m autograder heldout`: a held-out set is graded like the zoo and its copies of zoo entries are told."""
from autograder import heldout, mutants

HELD = '''
from autograder.zoo import Mutant, Variant
MUTANTS = [
    Mutant("db summed over the features", "self.b.grad += grad_out.sum(axis=0, keepdims=True)",
           "self.b.grad += grad_out.sum(axis=1, keepdims=True).T", file="model.py",
           expect="db sums grad_out over the wrong axis"),
    # right code labelled a mistake: it must be reported as surviving
    Mutant("dx through an explicit transpose", "return grad_out @ self.W.data.T",
           "return (self.W.data @ grad_out.T).T", file="model.py", expect="transpose"),
]
VARIANTS = [Variant("ReLU by np.maximum", "        self.mask = x > 0\\n        return x * self.mask",
                    "        self.mask = x > 0\\n        return np.maximum(x, 0)", file="model.py")]
'''


def test_heldout_set_is_graded_like_the_zoo(tmp_path):
    path = tmp_path / "held.py"
    path.write_text(HELD)
    module = heldout.load(path)
    assert heldout.copies_of_zoo("lab01-regression", module) == [
        "db summed over the features", "dx through an explicit transpose", "ReLU by np.maximum"]
    text, ok = mutants.verdicts("lab01-regression", 1, verbose=False, module=module)
    assert not ok
    assert text.startswith("lab01-regression: 1/2 mutants caught and named")
    assert "mutant SURVIVED: dx through an explicit transpose" in text
    assert "1/1 correct variants full marks" in text
