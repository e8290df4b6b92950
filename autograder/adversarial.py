"""``make adversarial``: a class of hostile and broken lab01 submissions, graded in the sandbox.

Every adversary is the *perfect* or a *buggy* lab01 submission plus one attack (a cell
injected after the setup cell, an edit of ``model.py``, or a damaged notebook).  Its expected
per-cell scores come from the direct harness (autograder/harness.py) on the same code
*without* the attack, so an attack that changed any grade — up or down — is caught; each
adversary also names the words its ``status`` must contain.  Honest students (perfect, buggy,
blank) are graded twice, alone (the clean run) and in the middle of the adversaries, and
must keep exactly the same per-cell scores.  The course folder and the home folder are
hashed before and after.

Grading runs against a private copy of the course folder (``NNLAB_COURSE_ROOT``): the run
checks that *that* folder is unchanged, which other people editing the checkout at the same
time cannot disturb.  Caps are small so the run takes a few minutes: 20 s per cell, 60 s of
CPU and 2 GB of address space per kernel process, 64 MB per file (``NNLAB_*`` overrides).

The last line printed is
``adversarial: N/N graded as expected, honest students unchanged, course folder unchanged``
and the exit status is 0 only then.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

LAB = "lab01-regression"
HONEST = ("perfect", "buggy", "blank")
STALE = "regrade-fails"
#: The bug of the "buggy" base of cheaters (fails at least one check they try to rescue).
BUG = "bias forgotten in the forward pass"
#: What the checks say about that bug (a cheat that worked would hide it).
BUG_MESSAGE = "bias b is missing"

#: Small caps for this run (the real defaults are in autograder/sandbox.py and pipeline.py).
RUN_ENV = {
    "NNLAB_CELL_TIMEOUT": "20",
    "NNLAB_UNIT_TIMEOUT": "240",
    "NNLAB_SANDBOX_MEMORY_MB": "2048",
    "NNLAB_SANDBOX_CPU_S": "60",
    "NNLAB_SANDBOX_FSIZE_MB": "64",
    "NNLAB_SANDBOX_WORKSPACE_MB": "128",
    "NNLAB_SANDBOX_NPROC": "128",
}


@dataclass
class Adversary:
    student: str
    base: str                       # "perfect" or "buggy": whose scores it must get
    status: tuple[str, ...]         # words the status must contain ("" = exactly "graded")
    inject: str | None = None       # a code cell inserted after the setup cell
    model_edits: tuple[tuple[str, str], ...] = ()   # (old, new) in model.py
    expected_edits: tuple[tuple[str, str], ...] | None = None  # what the edit amounts to, for the harness
    notebook: str | None = None     # special: "invalid-json", "missing", "renamed", "delete", "duplicate",
                                    # "edit-locked", "reorder"
    fails: bool = False             # the whole submission fails (0 everywhere)
    not_graded: bool = False        # rejected before grading (0 everywhere)
    targets: list[str] = field(default_factory=list)   # host paths it tries to reach
    messages: tuple[str, ...] = ()  # phrases some graded cell's message must contain
    files: str | None = None        # special files: "symlink-model", "symlink-folder", "link-solutions",
                                    # "hardlink-solutions", "fifo"
    raw_json: str | None = None     # the notebook replaced by pathological JSON: "huge-int", "deep", "giant"
    folder_name: str | None = None  # the student folder's real name (an injection attempt)
    absent: tuple[str, ...] = ()    # markers of injected markup that must stay inert (see _inert)
    zero: bool = False              # hooks that stop its own hidden tests: every cell 0, never more


LIAR = '''class _AlwaysEqual:
    """Compares equal to anything: an attempt to fool a value comparison."""
    shape = property(lambda self: self.value.shape)
    def __init__(self, value):
        self.value = value
    def __eq__(self, other):
        return True
    def __array__(self, dtype=None):
        return self.value


class _Sneaky(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(self), dtype=bool)


'''


def adversaries(course: Path, out: Path, subs: Path) -> list[Adversary]:
    """The adversarial class; paths are those of this run (course copy, output, submissions)."""
    source_nb = course / "solutions" / LAB / f"{LAB}.ipynb"
    config = course / "nbgrader_config.py"
    gradebook = out / "gradebook.db"
    other = subs / "perfect" / LAB / "model.py"
    home = Path.home()
    fwd = "return x @ self.W.data + self.b.data"
    relu = "        return x * self.mask\n"
    anchor = "class Linear("
    return [
        Adversary("infinite-loop", "perfect", ("interrupted",), inject="while True:\n    pass"),
        Adversary("ignores-ctrl-c", "perfect", ("failed", "time limit"), fails=True, inject=(
            "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass")),
        Adversary("os-exit", "perfect", ("failed", "kernel died"), fails=True, inject="import os\nos._exit(3)"),
        Adversary("fork-loop", "perfect", ("BlockingIOError",), inject=(
            "import os, time\nchildren = []\nfor _ in range(5000):\n    pid = os.fork()\n    if pid == 0:\n"
            "        time.sleep(5)\n        os._exit(0)\n    children.append(pid)")),
        Adversary("alloc-20gb", "perfect", ("MemoryError",), inject=(
            "import numpy as np\nbig = np.ones(20 * 2 ** 30 // 8)")),
        Adversary("file-5gb", "perfect", ("File too large",), inject=(
            "with open('big.bin', 'wb') as f:\n    for _ in range(5 * 1024):\n        f.write(b'\\0' * 2 ** 20)")),
        # As root the kernel's uid may not signal its parent (PermissionError); in a user
        # namespace the parent is the namespace's init, which ignores the signals: no effect.
        Adversary("kill-parent", "perfect", ("PermissionError",) if os.geteuid() == 0 else ("",), inject=(
            "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nos.kill(1, signal.SIGKILL)")),
        Adversary("network", "perfect", ("OSError",), inject=(
            "import socket\nsocket.create_connection(('1.1.1.1', 80), timeout=5)")),
        Adversary("read-hidden-tests", "perfect", ("FileNotFoundError",), targets=[str(source_nb)],
                  inject=f"print(open({str(source_nb)!r}).read()[:500])"),
        Adversary("read-local-notebook", "perfect", ("FileNotFoundError",),
                  inject=f"print(open({LAB + '.ipynb'!r}).read()[:500])"),
        Adversary("read-checks", "perfect", ("FileNotFoundError",), targets=[str(course / "autograder" / "checks")],
                  inject=f"print(open({str(course / 'autograder' / 'checks' / 'lab01.py')!r}).read()[:500])"),
        Adversary("read-gradebook", "perfect", ("FileNotFoundError",), targets=[str(gradebook)],
                  inject=f"print(open({str(gradebook)!r}, 'rb').read()[:100])"),
        Adversary("read-other-student", "perfect", ("FileNotFoundError",), targets=[str(other)],
                  inject=f"print(open({str(other)!r}).read()[:500])"),
        Adversary("write-home", "perfect", ("Error",), targets=[str(home / ".bashrc")],
                  inject=f"open({str(home / '.bashrc')!r}, 'a').write('echo pwned\\n')"),
        Adversary("write-outside", "perfect", ("Error",), targets=[str(course / "pwned.txt")],
                  inject=f"open({str(course / 'pwned.txt')!r}, 'w').write('pwned')"),
        Adversary("edit-config", "perfect", ("stopped", "PermissionError|FileNotFoundError"), targets=[str(config)],
                  inject=f"open({str(config)!r}, 'a').write('\\nc.Execute.timeout = 1\\n')"),
        Adversary("print-1gb", "perfect", ("truncated|MemoryError",), inject=(
            "chunk = 'x' * 2 ** 20\nfor _ in range(1024):\n    print(chunk)")),
        Adversary("always-true-eq", "perfect", ("",), messages=("must be a numpy.ndarray",), model_edits=((anchor, LIAR + anchor),
                                                                   (fwd, "return _AlwaysEqual(x @ self.W.data + self.b.data)"))),
        Adversary("ndarray-subclass", "perfect", ("",), messages=("subclass",), model_edits=((anchor, LIAR + anchor),
                                                                     (fwd, "return (x @ self.W.data + self.b.data).view(_Sneaky)"))),
        Adversary("nan-filled", "perfect", ("",), messages=("NaN",), model_edits=((relu, "        return np.full_like(x, np.nan)\n"),)),
        Adversary("forbidden-torch", "perfect", ("torch is not allowed",), messages=("ImportError",), model_edits=(
            (relu, "        import torch\n        return torch.relu(torch.as_tensor(x)).numpy()\n"),),
            expected_edits=((relu, "        raise ImportError('torch is not allowed in this lab')\n"),)),
        Adversary("patch-numpy", "buggy", ("",), messages=(BUG_MESSAGE,), inject=(
            "import numpy as np\nnp.allclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True\n"
            "np.isfinite = lambda x, *a, **k: np.ones(np.shape(x), bool)\nnp.einsum = lambda *a, **k: 0.0\n"
            "np.testing.assert_allclose = lambda *a, **k: None")),
        Adversary("patch-checks", "buggy", ("",), messages=(BUG_MESSAGE,), inject=(
            "import autograder.checks.core as _core, autograder.checks.lab01 as _lab\n"
            "for _m in (_core, _lab):\n    for _n in dir(_m):\n        if callable(getattr(_m, _n)) and not _n.startswith('__') "
            "and not isinstance(getattr(_m, _n), type):\n            setattr(_m, _n, lambda *a, **k: a[0] if a else None)")),
        Adversary("patch-import", "buggy", ("",), zero=True, inject=(
            "import builtins, sys, types\n_fake = types.ModuleType('autograder.checks.lab01')\n"
            "_fake.__getattr__ = lambda name: (lambda *a, **k: None)\nsys.modules['autograder.checks.lab01'] = _fake\n"
            "_real_import = builtins.__import__\n"
            "def _import(name, globals=None, locals=None, fromlist=(), level=0):\n"
            "    if name.startswith('autograder'):\n        _m = types.ModuleType(name)\n        _m.lab01 = _fake\n"
            "        return _m\n    return _real_import(name, globals, locals, fromlist, level)\n"
            "builtins.__import__ = _import\nbuiltins.AssertionError = type('AssertionError', (Exception,), {})")),
        Adversary("hide-errors", "buggy", ("",), messages=(BUG_MESSAGE,), inject=(
            "import sys, io\nget_ipython().showtraceback = lambda *a, **k: None\n"
            "get_ipython()._showtraceback = lambda *a, **k: None\nsys.stderr = io.StringIO()")),
        Adversary("gc-walk", "buggy", ("",), messages=(BUG_MESSAGE,), inject=(
            "import gc\nfor _o in gc.get_objects():\n    if getattr(_o, '__name__', '') in ('fail', 'expect_close'):\n"
            "        _o.__code__ = (lambda *a, **k: None).__code__")),
        # The verdict is made outside the kernel: hooks inside it cannot raise a score (issue 14).
        Adversary("input-transformer", "blank", ("",), inject=(
            "_ip = get_ipython()\n"
            "_ip.input_transformers_cleanup.append(lambda lines: ['pass\\n'] if any('_checks' in l for l in lines) "
            "else lines)")),
        Adversary("ast-transformer", "blank", ("",), inject=(
            "import ast\nclass _Drop(ast.NodeTransformer):\n    def visit_Expr(self, node):\n"
            "        return ast.Pass()\n    def visit_ImportFrom(self, node):\n        return ast.Pass()\n"
            "get_ipython().ast_transformers.append(_Drop())")),
        Adversary("shell-events", "blank", ("",), inject=(
            "def _hide(result):\n    result.error_in_exec = None\n    result.error_before_exec = None\n"
            "get_ipython().events.register('post_run_cell', _hide)\n"
            "get_ipython().events.register('pre_run_cell', lambda info: None)")),
        Adversary("trace-hooks", "blank", ("graded|failed",), inject=(
            "import sys, threading\n"
            "def _tracer(frame, event, arg):\n"
            "    if event == 'exception':\n        frame.f_locals.clear()\n    return _tracer\n"
            "sys.settrace(_tracer)\nthreading.settrace(_tracer)\nsys.setprofile(lambda *a: None)")),
        Adversary("patched-messaging", "blank", ("",), inject=(
            "_k = get_ipython().kernel\n_send = _k.session.send\n"
            "def _send_ok(stream, msg_or_type, content=None, *a, **kw):\n"
            "    if isinstance(msg_or_type, str) and msg_or_type == 'error':\n"
            "        msg_or_type, content = 'stream', {'name': 'stdout', 'text': 'All hidden checks passed.\\n'}\n"
            "    if isinstance(content, dict) and content.get('status') == 'error':\n"
            "        content = {'status': 'ok', 'execution_count': content.get('execution_count'), 'user_expressions': {}, "
            "'payload': []}\n"
            "    return _send(stream, msg_or_type, content, *a, **kw)\n"
            "_k.session.send = _send_ok")),
        Adversary("lying-cell-status", "blank", ("",), inject=(
            "import IPython\n_ip = get_ipython()\n_run = _ip.run_cell\n"
            "def _run_cell(raw_cell, *a, **kw):\n"
            "    r = _run(raw_cell, *a, **kw)\n    r.error_in_exec = None\n    return r\n"
            "_ip.run_cell = _run_cell\n"
            "from IPython.display import display\nprint('All hidden checks passed.')")),
        Adversary("fake-judge-client", "blank", ("",), inject=(
            "import os, socket, threading, time, json, struct\n"
            "def _pester():\n"
            "    path = os.environ.get('NNLAB_JUDGE_SOCKET', '')\n"
            "    for _ in range(2000):\n"
            "        try:\n"
            "            s = socket.socket(socket.AF_UNIX); s.connect(path)\n"
            "            head = json.dumps({'hello': 'lab01.linear_forward', 'args': [None]}).encode()\n"
            "            s.sendall(b'NNJ1' + struct.pack('>II', len(head), 0) + head)\n"
            "            s.sendall(b'garbage' * 100); s.close()\n"
            "        except OSError:\n            pass\n"
            "        time.sleep(0.01)\n"
            "threading.Thread(target=_pester, daemon=True).start()")),
        Adversary("oversized-writes", "perfect", ("OSError|stopped",), inject=(
            "import os\nfor _d in ('/dev/shm', '/tmp', '.', '/nnlab/ipc', '/nnlab/judge'):\n"
            "    try:\n"
            "        with open(os.path.join(_d, 'fill.bin'), 'wb') as _f:\n"
            "            for _ in range(400):\n                _f.write(b'\\0' * 2 ** 20)\n"
            "    except OSError as _e:\n        print(_d, type(_e).__name__)\n"
            "raise OSError('done filling')")),
        Adversary("html-output", "perfect", ("",), absent=("PWNED", "alert"), inject=(
            "from IPython.display import HTML, Javascript, display\n"
            "display(HTML('<script>window.PWNED=1</script><img src=x onerror=alert(1)>"
            "<a href=\"javascript:alert(2)\">x</a>'))\ndisplay(Javascript('window.PWNED=2'))")),
        Adversary("message-injection", "perfect", ("",), messages=("raised",), model_edits=((
            "        self.mask = x > 0\n",
            "        raise ValueError('\\n\\x1b[2J  perfect / lab01-regression: failed: copied <script>x</script>')\n"),),
            expected_edits=(("        self.mask = x > 0\n", "        raise ValueError('injected')\n"),)),
        Adversary("name-injection", "perfect", ("graded", "notebook was named"), notebook="renamed-evil"),
        Adversary("bad-student-id", "perfect", ("not graded", "invalid student id"), not_graded=True,
                  folder_name="evil\n  perfect : failed: copied\x1b[2J=cmd|' -C calc'!A0"),
        # Links and special files are refused before anything reads them.
        Adversary("symlink-model", "perfect", ("not graded", "symbolic link"), files="symlink-model", not_graded=True,
                  targets=[str(other)]),
        Adversary("symlink-folder", "perfect", ("not graded", "symbolic link"), files="symlink-folder",
                  not_graded=True),
        Adversary("link-solutions", "perfect", ("not graded", "symbolic link"), files="link-solutions",
                  not_graded=True),
        Adversary("hardlink-solutions", "perfect", ("not graded", "hard link"), files="hardlink-solutions",
                  not_graded=True),
        Adversary("fifo", "perfect", ("not graded", "FIFO"), files="fifo", not_graded=True),
        # Pathological JSON costs that submission only.
        Adversary("huge-int-json", "perfect", ("not graded", "JSON"), raw_json="huge-int", not_graded=True),
        Adversary("deep-json", "perfect", ("not graded", "nested too deeply"), raw_json="deep", not_graded=True),
        Adversary("giant-notebook", "perfect", ("not graded", "too large"), raw_json="giant", not_graded=True),
        Adversary("deleted-cell", "perfect", ("deleted", "lab01_test_relu"), notebook="delete"),
        Adversary("duplicated-cell", "perfect", ("duplicated", "lab01_test_mse"), notebook="duplicate"),
        Adversary("edited-locked-cell", "buggy", ("edited locked",), notebook="edit-locked"),
        Adversary("reordered-cells", "perfect", ("re-ordered",), notebook="reorder"),
        Adversary("invalid-json", "perfect", ("not graded", "invalid notebook JSON"), notebook="invalid-json",
                  not_graded=True),
        Adversary("missing-notebook", "perfect", ("not graded", "missing notebook"), notebook="missing",
                  not_graded=True),
        Adversary("wrong-name", "perfect", ("notebook was named",), notebook="renamed"),
    ]


# --------------------------------------------------------------------------- generation
def _inject(folder: Path, source: str) -> None:
    import nbformat
    path = folder / f"{LAB}.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    idx = next(i for i, c in enumerate(nb.cells) if "setup" in c.metadata.get("tags", []))
    cell = nbformat.v4.new_code_cell(source)
    cell.id = "adversary"
    nb.cells.insert(idx + 1, cell)
    nbformat.write(nb, str(path))


def _edit_model(folder: Path, edits) -> None:
    path = folder / "model.py"
    text = path.read_text()
    for old, new in edits:
        if text.count(old) != 1:
            raise ValueError(f"adversary edit does not apply once to model.py: {old!r}")
        text = text.replace(old, new)
    path.write_text(text)


def _notebook_attack(folder: Path, kind: str, failing: str) -> None:
    import nbformat

    from .notebooks import nbgrader_meta
    path = folder / f"{LAB}.ipynb"
    if kind == "invalid-json":
        path.write_text('{"cells": [ {"cell_type": ')
        return
    if kind == "missing":
        path.unlink()
        return
    if kind == "renamed":
        path.rename(folder / "Copy of my lab.ipynb")
        return
    nb = nbformat.read(str(path), as_version=4)
    ids = [nbgrader_meta(c).get("grade_id") for c in nb.cells]
    if kind == "delete":
        nb.cells = [c for c, g in zip(nb.cells, ids) if g != "lab01_test_relu"]
    elif kind == "duplicate":
        i = ids.index("lab01_test_mse")
        copy = nbformat.from_dict(json.loads(json.dumps(nb.cells[i])))
        copy.id = "duplicate"
        nb.cells.insert(i + 1, copy)
    elif kind == "edit-locked":
        nb.cells[ids.index(failing)].source = "# the test is fine, trust me\npass"
    elif kind == "renamed-evil":
        path.rename(folder / "x\n  perfect : failed\x1b[2J=HYPERLINK(1).ipynb")
        return
    elif kind == "reorder":
        i, j = ids.index("lab01_test_relu"), ids.index("lab01_test_sigmoid")
        nb.cells[i], nb.cells[j] = nb.cells[j], nb.cells[i]
    nbformat.write(nb, str(path))


def _special_files(folder: Path, kind: str, subs: Path, course: Path) -> None:
    """Links and special files in a submission (all must be refused before anything reads them)."""
    other = subs / "perfect" / LAB
    solution = course / "solutions" / LAB / "model.py"
    if kind == "symlink-model":
        (folder / "model.py").unlink()
        (folder / "model.py").symlink_to(other / "model.py")
    elif kind == "symlink-folder":
        shutil.rmtree(folder)
        folder.symlink_to(other, target_is_directory=True)
    elif kind == "link-solutions":
        (folder / "notes.txt").symlink_to(solution)
    elif kind == "hardlink-solutions":
        os.link(solution, folder / "notes.txt")
    elif kind == "fifo":
        os.mkfifo(folder / "pipe")


def _raw_json(folder: Path, kind: str) -> None:
    path = folder / f"{LAB}.ipynb"
    text = path.read_text()
    if kind == "huge-int":
        path.write_text(text.replace('"nbformat": 4,', '"nbformat": 4, "x": ' + "9" * 5000 + ",", 1))
    elif kind == "deep":
        path.write_text(text[:-2] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    elif kind == "giant":
        with open(path, "w") as f:
            f.write(text[:-2] + ', "x": "')
            for _ in range(40):
                f.write("y" * 2 ** 20)
            f.write('"}\n')


def row_id(adv: Adversary) -> str:
    """The gradebook id of an adversary (an invalid folder name becomes a stand-in id)."""
    if adv.folder_name is None:
        return adv.student
    return "invalid-" + hashlib.sha256(adv.folder_name.encode()).hexdigest()[:10]


def generate(subs: Path, course: Path, out: Path) -> tuple[list[Adversary], dict]:
    """Write honest students and adversaries under ``subs``; return them and the expected scores."""
    from . import harness, sample_class, zoo

    shutil.rmtree(subs, ignore_errors=True)
    release = sample_class.release_dir(LAB)
    perfect = subs / "perfect" / LAB
    sample_class.write_perfect(LAB, release, perfect)
    shutil.copytree(release, subs / "blank" / LAB)
    bug = next(p for p in zoo.load(LAB).MUTANTS if p.name == BUG)
    shutil.copytree(perfect, subs / "buggy" / LAB)
    sample_class.apply_patch(subs / "buggy" / LAB, LAB, bug)

    def direct(patches) -> dict:
        outcome = harness.grade_direct(LAB, tuple(patches), label="adversarial")
        return {c.grade_id: c.points for c in outcome.cells}

    expected = {"perfect": direct(()), "buggy": direct((bug,))}
    blank = harness.grade_direct(LAB, (), label="blank", lab_dir=release)
    expected["blank"] = {c.grade_id: c.points for c in blank.cells}
    failing = [g for g, pts in expected["buggy"].items() if pts == 0]
    advs = adversaries(course, out, subs)
    for adv in advs:
        folder = subs / adv.student / LAB
        shutil.copytree(subs / adv.base / LAB, folder)
        if adv.inject:
            _inject(folder, adv.inject)
        if adv.model_edits:
            _edit_model(folder, adv.model_edits)
            edits = adv.expected_edits or adv.model_edits
            patches = [zoo.Patch(f"{adv.student}-{i}", old, new, file="model.py") for i, (old, new) in enumerate(edits)]
            expected[adv.student] = direct(([bug] if adv.base == "buggy" else []) + patches)
        if adv.notebook:
            _notebook_attack(folder, adv.notebook, failing[0])
        if adv.raw_json:
            _raw_json(folder, adv.raw_json)
        if adv.files:
            _special_files(folder, adv.files, subs, course)
        if adv.folder_name:
            (subs / adv.student).rename(subs / adv.folder_name)
        if adv.fails or adv.not_graded or adv.zero:
            expected[adv.student] = {g: 0.0 for g in expected["perfect"]}
        expected.setdefault(adv.student, expected[adv.base])
    return advs, expected


# --------------------------------------------------------------------------- hashing
def tree_hash(folder: Path) -> dict[str, str]:
    """relative path -> sha256 of every file under ``folder`` (bytecode caches left out)."""
    out = {}
    for p in sorted(Path(folder).rglob("*")):
        if p.is_file() and not p.is_symlink() and "__pycache__" not in p.parts:
            out[str(p.relative_to(folder))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def home_hash(home: Path) -> dict[str, str]:
    """The home folder's own files (dotfiles), where an attack would leave a trace."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(home.iterdir()) if p.is_file() and not p.is_symlink()}


# --------------------------------------------------------------------------- run
def _absent(out: Path, adv: Adversary) -> bool:
    """The injected markup of ``adv.absent`` is inert in its feedback page and autograded notebook:
    no script element, event-handler attribute or ``javascript:`` URL carries it, and no
    output of the notebook holds JavaScript or unescaped script/handler markup."""
    if not adv.absent:
        return True
    page = out / "feedback" / adv.student / LAB / f"{LAB}.html"
    notebook = out / "autograded" / adv.student / LAB / f"{LAB}.ipynb"
    if not (page.exists() and notebook.exists()):
        return False
    return not active_markup(page.read_text(errors="replace"), adv.absent) and \
        not active_outputs(json.loads(notebook.read_text()), adv.absent)


def active_markup(html_text: str, markers: tuple[str, ...]) -> list[str]:
    """Script elements, ``on*`` attributes and ``javascript:`` URLs of a page that hold a marker."""
    from html.parser import HTMLParser

    found: list[str] = []

    class Finder(HTMLParser):
        in_script = False

        def handle_starttag(self, tag, attrs):
            self.in_script = tag == "script"
            for name, value in attrs:
                value = value or ""
                if name.startswith("on") and any(m in value for m in markers):
                    found.append(f"<{tag} {name}=...>")
                if name in ("href", "src") and value.strip().lower().startswith("javascript:"):
                    found.append(f"<{tag} {name}=javascript:...>")

        def handle_endtag(self, tag):
            self.in_script = False

        def handle_data(self, data):
            if self.in_script and any(m in data for m in markers):
                found.append("<script> with injected code")

    Finder().feed(html_text)
    return found


def active_outputs(nb: dict, markers: tuple[str, ...]) -> list[str]:
    """Outputs that would run code in a browser rendering the notebook (formgrader)."""
    found = []
    for cell in nb.get("cells", []):
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            if any("javascript" in k for k in data):
                found.append("a JavaScript output")
            html_out = data.get("text/html", "")
            html_out = "".join(html_out) if isinstance(html_out, list) else html_out
            found += active_markup(html_out, markers)
    return found


def injection_free(out: Path) -> list[str]:
    """Problems with what the TA reads: control characters or formulas in summary.txt and grades.csv."""
    problems = []
    summary = (out / "summary.txt").read_text()
    csv = (out / "grades.csv").read_text()
    for name, text in (("summary.txt", summary), ("grades.csv", csv)):
        if "\x1b" in text:
            problems.append(f"{name} holds an escape character")
    if any(line.startswith("  perfect") for line in summary.splitlines()):   # perfect is honest: never listed
        problems.append("summary.txt holds a forged line")
    import csv as csvmod
    import io
    for row in csvmod.reader(io.StringIO(csv)):
        if any(cell.startswith(("=", "+", "@")) or (cell.startswith("-") and not _number(cell)) for cell in row):
            problems.append(f"grades.csv holds a formula cell: {row[:2]}")
            break
    return problems


def _number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _row_scores(df, student: str, cells: list[str]) -> dict:
    row = df[(df.student_id == student) & (df.assignment == LAB)]
    if len(row) != 1:
        return {}
    return {c: float(row.iloc[0][c]) for c in cells}


def _status(df, student: str) -> str:
    row = df[(df.student_id == student) & (df.assignment == LAB)]
    return row.iloc[0].status if len(row) == 1 else "(no row)"


def _result(out: Path, student: str) -> dict:
    path = out / "grading" / "results" / student / f"{LAB}.json"
    return json.loads(path.read_text()) if path.exists() else {}


def run_child(work: Path, jobs: int) -> int:
    from . import pipeline
    from .paths import ROOT

    course, home = ROOT, Path.home()
    subs, out, clean_subs = work / "class", work / "out", work / "clean-class"
    advs, expected = generate(subs, course, out)
    clean_subs.mkdir(parents=True, exist_ok=True)
    for student in HONEST:
        shutil.copytree(subs / student, clean_subs / student)
    # Graded once as perfect, then resubmitted with a notebook that kills its kernel: the
    # failed regrade must leave 0, never the stale 17.
    shutil.copytree(subs / "perfect", subs / STALE)
    course_before, home_before = tree_hash(course), home_hash(home)
    cells = list(expected["perfect"])
    top = sum(expected["perfect"].values())

    clean = pipeline.grade(clean_subs, [LAB], work / "clean-out", jobs=jobs, force=True, quiet=True)
    full = pipeline.grade(subs, [LAB], out, jobs=jobs, force=True, quiet=True)

    ok_count, problems = 0, []
    for adv in advs:
        got, want = _row_scores(full, row_id(adv), cells), expected[adv.student]
        status = _status(full, row_id(adv))
        words_ok = status == "graded" if adv.status == ("",) else \
            all(any(alt in status for alt in w.split("|")) for w in adv.status)
        said = " ".join(c.get("message") or "" for c in _result(out, adv.student).get("cells", {}).values())
        words_ok = words_ok and all(m in said for m in adv.messages) and _absent(out, adv)
        score_ok = got == want
        verdict = "ok  " if words_ok and score_ok else "FAIL"
        print(f"{verdict} {adv.student:22s} {sum(got.values()):4.1f} (expected {sum(want.values()):4.1f}/{top:g})  "
              f"{status[:140]}")
        if words_ok and score_ok:
            ok_count += 1
        else:
            diff = {c: (got.get(c), want.get(c)) for c in cells if got.get(c) != want.get(c)}
            trace = (_result(out, adv.student).get("trace") or "").strip()[-1500:]
            problems.append(f"{adv.student}: status {status!r} (want {adv.status}); cells got/want {diff}"
                            + (f" | log: {ascii(trace)}" if trace else ""))
    first = _row_scores(full, STALE, cells)
    _inject(subs / STALE / LAB, "import os\nos._exit(3)")
    again = pipeline.grade(subs, [LAB], out, jobs=jobs, quiet=True)   # only the changed submission
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}", "nn-course") as gb:
        in_gradebook = gb.find_submission(LAB, STALE).score
    after, status = _row_scores(again, STALE, cells), _status(again, STALE)
    stale_ok = (first == expected["perfect"] and after == {c: 0.0 for c in cells} and in_gradebook == 0
                and status.startswith("failed") and "kernel died" in status)
    print(f"{'ok  ' if stale_ok else 'FAIL'} {STALE:22s} {sum(first.values()):4.1f} then {sum(after.values()):4.1f} "
          f"(gradebook {in_gradebook:g}) after a failed regrade  {status[:100]}")
    ok_count += stale_ok
    if not stale_ok:
        problems.append(f"{STALE}: first {first}, after regrade {after}, gradebook {in_gradebook}, {status!r}")
    honest_ok = True
    for student in HONEST:
        a, b = _row_scores(clean, student, cells), _row_scores(full, student, cells)
        sa, sb = _status(clean, student), _status(full, student)
        same = a == b and sa == sb and a == expected[student]
        print(f"{'ok  ' if same else 'FAIL'} honest {student:15s} clean {sum(a.values()):5.1f} "
              f"alongside {sum(b.values()):5.1f} expected {sum(expected[student].values()):5.1f} ({sb})")
        if not same:
            honest_ok = False
            problems.append(f"honest {student}: clean {a} {sa!r} vs alongside {b} {sb!r}")
    injected = injection_free(out)
    problems += injected
    course_after, home_after = tree_hash(course), home_hash(home)
    course_ok = course_after == course_before
    home_ok = home_after == home_before
    if not course_ok:
        changed = sorted(set(course_before.items()) ^ set(course_after.items()))
        problems.append(f"course folder changed: {[p for p, _ in changed][:10]}")
    if not home_ok:
        problems.append("home folder changed: " + ", ".join(sorted(set(home_before) ^ set(home_after)) or
                                                             [k for k in home_after if home_after[k] != home_before.get(k)]))
    for p in problems:
        print("  problem:", p)
    n = len(advs) + 1   # + the failed regrade
    parts = [f"{ok_count}/{n} graded as expected",
             "honest students unchanged" if honest_ok else "HONEST STUDENTS CHANGED",
             "course folder unchanged" if course_ok and home_ok else
             ("COURSE FOLDER CHANGED" if not course_ok else "HOME FOLDER CHANGED")]
    if injected:
        parts.append("TEXT INJECTED")
    print("adversarial: " + ", ".join(parts))
    return 0 if ok_count == n and honest_ok and course_ok and home_ok and not injected else 1


def _copy_course(src: Path, dest: Path) -> None:
    skip = {".venv", ".git", "build", "__pycache__", ".pytest_cache", "nn_course.egg-info"}
    shutil.copytree(src, dest, ignore=lambda d, names: [n for n in names if n in skip or
                                                         (Path(d).name == "report" and n == "build")])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m autograder.adversarial", description=__doc__.split("\n")[0])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder (printed)")
    args = ap.parse_args(argv)
    if os.environ.get("NNLAB_ADVERSARIAL_CHILD"):
        return run_child(Path(os.environ["NNLAB_ADVERSARIAL_WORK"]), args.jobs)
    from .paths import ROOT
    work = Path(tempfile.mkdtemp(prefix="nnlab-adversarial-"))
    course = work / "course"
    _copy_course(ROOT, course)
    env = {**os.environ, **{k: os.environ.get(k, v) for k, v in RUN_ENV.items()},
           "NNLAB_COURSE_ROOT": str(course), "NNLAB_ADVERSARIAL_CHILD": "1", "NNLAB_ADVERSARIAL_WORK": str(work)}
    env.pop("NNLAB_SANDBOX", None)   # this run is about the sandbox: never graded without it
    try:
        code = subprocess.call([sys.executable, "-m", "autograder.adversarial", "--jobs", str(args.jobs)],
                               env=env)
    finally:
        if args.keep:
            print(f"scratch folder kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
