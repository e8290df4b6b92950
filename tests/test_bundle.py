"""The student bundle: nothing instructor-only, installs in a fresh virtualenv, visible tests run there."""
from __future__ import annotations

import json
import os
import subprocess
import venv

import pytest

from autograder import bundle, sample_class

pytestmark = pytest.mark.slow
LAB = "lab01-regression"

# Runs a lab's setup, solution and (visible) test cells with plain Python, as a student's kernel would.
RUNNER = r'''
import json, sys, os, traceback
os.environ["MPLBACKEND"] = "Agg"
nb = json.load(open(sys.argv[1]))
sys.path.insert(0, os.path.dirname(os.path.abspath(sys.argv[1])))
os.chdir(os.path.dirname(os.path.abspath(sys.argv[1])))
ns, results = {"__name__": "__main__"}, {}
for cell in nb["cells"]:
    meta = cell.get("metadata", {})
    nbg = meta.get("nbgrader", {})
    role = "test" if nbg.get("grade") and not nbg.get("solution") else \
           "run" if nbg.get("solution") or "setup" in meta.get("tags", []) else None
    if cell["cell_type"] != "code" or role is None:
        continue
    src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    src = "\n".join("# " + l if l.lstrip().startswith(("%", "!")) else l for l in src.split("\n"))
    try:
        exec(compile(src, nbg.get("grade_id", "cell"), "exec"), ns)
        ok = True
    except Exception:
        ok = False
    if role == "test":
        results[nbg["grade_id"]] = ok
print(json.dumps(results))
'''


@pytest.fixture(scope="module")
def student_env(tmp_path_factory):
    root = tmp_path_factory.mktemp("bundle")
    dest = bundle.build(root / "student-bundle")
    env = root / "venv"
    venv.create(env, with_pip=True)
    py = env / "bin" / "python"
    # The package and its runtime dependencies (requirements.txt adds only JupyterLab, the UI).
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", "-e", "."], cwd=dest, check=True, timeout=900)
    (root / "run_visible.py").write_text(RUNNER)
    return dest, py, root / "run_visible.py"


def test_bundle_has_nothing_instructor_only(student_env):
    dest, _, _ = student_env
    assert bundle.check(dest) == []
    names = {p.name for p in dest.iterdir()}
    assert {"labs", "nnlab", "report", "requirements.txt", "README.md", "data"} <= names
    assert not (dest / "report" / "formulas.py").exists()
    deriv = (dest / "report" / "sections" / "derivations.tex").read_text()
    assert "1 - h" not in deriv and "(your result)" in deriv, "the derivations are answers: students write them"


def test_visible_tests_run_in_the_student_environment(student_env, tmp_path):
    dest, py, runner = student_env
    solved = tmp_path / LAB
    sample_class.write_perfect(LAB, dest / "labs" / LAB, solved)
    out = subprocess.run([str(py), str(runner), str(solved / f"{LAB}.ipynb")], capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    results = json.loads(out.stdout.strip().splitlines()[-1])
    assert results and all(results.values()), results
    # The untouched release fails its visible tests (the stubs raise NotImplementedError).
    blank = subprocess.run([str(py), str(runner), str(dest / "labs" / LAB / f"{LAB}.ipynb")],
                           capture_output=True, text=True, timeout=600)
    assert not any(json.loads(blank.stdout.strip().splitlines()[-1]).values())


def test_requirements_cover_the_package_dependencies(student_env):
    dest, _, _ = student_env
    reqs = (dest / "requirements.txt").read_text()
    for dep in ("numpy", "scipy", "pandas", "matplotlib", "tqdm", "ipykernel", "jupyterlab", "-e ."):
        assert dep in reqs


def test_student_env_has_no_autograder(student_env, tmp_path):
    _, py, _ = student_env
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}   # a student's shell has none of ours
    probe = subprocess.run([str(py), "-c", "import nnlab, nnlab.mnist; import autograder"], capture_output=True,
                           text=True, cwd=tmp_path, env=env)
    assert probe.returncode != 0 and "No module named 'autograder'" in probe.stderr
