"""Sandboxed grading kernels (issue 9): bubblewrap, a dedicated user, resource caps, a guard.

Every student notebook runs in an IPython kernel started as::

    sh -c 'exec "$@" 3<guard.py 4<core.py 5<labNN.py ...'      (hands the check sources to bwrap)
      prlimit --as --nproc --fsize --cpu --core=0 --            (caps, inherited by every child)
        bwrap --unshare-{pid,net,ipc,uts,cgroup} --die-with-parent --new-session --clearenv ...
          setpriv --reuid nnlab-grader ... --no-new-privs --    (as root only: drop to the grader user)
            python -m ipykernel_launcher -f /nnlab/connection.json --IPKernelApp.exec_files=[/nnlab/guard.py]

Inside: no network (only the kernel's Unix sockets, in a private folder), a new pid
namespace, the host filesystem absent except ``/usr`` ``/etc`` (read-only), the Python
installation and virtualenv (read-only), ``nnlab`` (read-only) and the checks of *this* lab
(``autograder/checks/core.py`` + ``labNN.py``, copied into the sandbox and deleted by the
guard once imported).  The working folder is a size-capped tmpfs holding read-only binds of
the submission's files except notebooks (the autograded notebook holds the hidden tests);
``/tmp`` is a private tmpfs.  The course folder (solutions, gradebook, other submissions,
configuration), ``/root``, ``/home``, ``/run`` and ``/work`` are not there.  The environment is
rebuilt from scratch.  Traps of wrapping ipykernel (see the notes on grading facts):
``JPY_PARENT_PID=1`` (the pid namespace makes the parent look like init), a private TMPDIR for
the connection file, ``transport=ipc`` with an absolute path, ``interrupt_mode=message``
(``--new-session`` would swallow SIGINT) and a kernel spec that nbgrader cannot reset.

The guard (``GUARD_SOURCE``) runs before any student cell: it imports numpy and the checks
(so their captured originals are the real ones), snapshots what a cheat would patch, and
installs an audit hook (cannot be removed from Python) that restores the snapshot whenever a
hidden test cell is compiled, blocks ``gc`` object walks, raw ``ctypes`` memory access and calls, rewriting the code
of check functions, and refuses frameworks a lab forbids.  See docs/sandbox.md.

Fail closed: :func:`require` probes bwrap once per process and raises
:class:`SandboxUnavailable` with the reason and the fix; ``--no-sandbox`` or
``NNLAB_SANDBOX=0`` turns the sandbox off for trusted notebooks, with a loud warning.
"""
from __future__ import annotations

import fcntl
import os
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

from traitlets import Dict as TDict
from traitlets import Integer

#: Name of the unprivileged account kernels run as when grading as root (created if missing);
#: parallel units use ``nnlab-grader1``, ``nnlab-grader2``... so a fork loop in one unit cannot
#: use up the process budget (counted per uid) of another.
USER = os.environ.get("NNLAB_SANDBOX_USER", "nnlab-grader")


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


#: Caps of every sandboxed kernel (each process of it, for address space and CPU time).
MEMORY = _env_int("NNLAB_SANDBOX_MEMORY_MB", 6144) * 2 ** 20      # address space, per process
NPROC = _env_int("NNLAB_SANDBOX_NPROC", 256)                        # processes + threads of the uid
FSIZE = _env_int("NNLAB_SANDBOX_FSIZE_MB", 256) * 2 ** 20           # largest file it may write
CPU = _env_int("NNLAB_SANDBOX_CPU_S", 900)                          # CPU seconds, per process
WORKSPACE = _env_int("NNLAB_SANDBOX_WORKSPACE_MB", 512) * 2 ** 20   # tmpfs of the working folder / tmp

#: Frameworks a lab's *student* code may not import while graded (a check module may declare its
#: own ``FORBIDDEN_IMPORTS`` tuple, which wins).  Lab 01 is NumPy only.
FORBIDDEN_IMPORTS = {
    "lab01": ("torch", "tensorflow", "jax", "autograd", "sklearn", "keras"),
}

#: Substring of every hidden test cell (the lab contract): compiling such a cell restores the
#: snapshot before its code runs.
HIDDEN_MARKER = "from autograder.checks import"

_PROBE: tuple[bool, str] | None = None
#: Namespaces of the sandbox (``--unshare-all`` would add a user namespace even as root, where
#: the grader uid is then unmapped and setpriv cannot switch to it).
UNSHARE = ("--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try")


class SandboxUnavailable(RuntimeError):
    """bubblewrap cannot create the namespaces the sandbox needs on this machine."""


# --------------------------------------------------------------------------- opt-out, probe
def disabled_by_env() -> bool:
    return os.environ.get("NNLAB_SANDBOX", "1").strip().lower() in ("0", "no", "false", "off")


def warn_unsandboxed(stream=None) -> None:
    """The loud opt-out message (printed once per grading run)."""
    bar = "!" * 78
    print(f"{bar}\n!! SANDBOX DISABLED (--no-sandbox / NNLAB_SANDBOX=0): student code runs with YOUR rights.\n"
          f"!! It can read the solutions, the gradebook and other submissions, and change your files.\n"
          f"!! Use this for trusted notebooks only (the repository's own fixtures).\n{bar}",
          file=stream or sys.stderr, flush=True)


def probe(force: bool = False) -> tuple[bool, str]:
    """(works, reason): can bwrap create user/pid/net/ipc/uts namespaces here?  Cached."""
    global _PROBE
    if _PROBE is not None and not force:
        return _PROBE
    bwrap = shutil.which("bwrap")
    if not bwrap:
        _PROBE = (False, "bubblewrap (bwrap) is not installed; install it with `apt-get install bubblewrap` "
                         "or `make sysdeps`")
        return _PROBE
    cmd = [bwrap, *UNSHARE, "--die-with-parent", "--new-session", "--ro-bind", "/usr", "/usr",
           "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
           "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "/bin/true"]
    if os.geteuid() != 0:
        cmd.insert(1, "--unshare-user")
    try:
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        ok, err = run.returncode == 0, run.stderr.strip()
    except (OSError, subprocess.TimeoutExpired) as exc:
        ok, err = False, str(exc)
    if ok and os.geteuid() == 0 and not shutil.which("setpriv"):
        ok, err = False, "setpriv (util-linux) is missing: it drops the kernel to the grader user"
    _PROBE = (ok, "" if ok else
              f"bubblewrap cannot create namespaces here ({err or 'unknown error'}). Grading real submissions "
              f"needs them: on Ubuntu 24.04 allow unprivileged user namespaces (sysctl "
              f"kernel.apparmor_restrict_unprivileged_userns=0 or an AppArmor profile for bwrap); in Docker run "
              f"with --security-opt seccomp=unconfined (or grade as root on the host). For trusted notebooks "
              f"only, --no-sandbox / NNLAB_SANDBOX=0 grades without it.")
    return _PROBE


def require() -> None:
    """Fail closed: raise :class:`SandboxUnavailable` unless bwrap works."""
    ok, reason = probe()
    if not ok:
        raise SandboxUnavailable(reason)
    _lock_dir()   # usable by this user (see there), checked before any unit starts


# --------------------------------------------------------------------------- the grader user
def _lock_dir() -> Path:
    """The folder of slot locks: private to the user grading, shared by all their pipelines.

    Root's pipelines share one (so two never hand the same grader account to two units);
    every other user gets their own, since a user namespace needs no account.  It lives
    under /tmp, where anyone could create it first, so it must be a real folder owned by
    us and closed to others, or we refuse rather than lock (or create files) through it.
    ``NNLAB_SANDBOX_LOCKS`` overrides the place.
    """
    d = Path(os.environ.get("NNLAB_SANDBOX_LOCKS") or f"/tmp/nnlab-sandbox-locks-{os.geteuid()}")
    d.mkdir(mode=0o700, exist_ok=True)
    st = os.lstat(d)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o077:
        raise SandboxUnavailable(f"{d} must be a folder owned by uid {os.geteuid()} with mode 700: "
                                 f"remove it (another user may have created it) or set NNLAB_SANDBOX_LOCKS")
    return d


def acquire_slot(max_slots: int = 64) -> tuple[int, int]:
    """(slot, fd): an exclusive slot number for this unit, held while ``fd`` stays open."""
    d = _lock_dir()
    for slot in range(max_slots):
        fd = os.open(d / f"slot-{slot}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return slot, fd
        except BlockingIOError:
            os.close(fd)
    raise RuntimeError(f"more than {max_slots} sandboxed units at once on this machine")


def ensure_user(slot: int = 0) -> tuple[int, int, str]:
    """(uid, gid, name) of the unprivileged account of ``slot``; created with useradd if missing.

    Root only.  The accounts are system users with no home, no shell and no password:
    ``useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin``.
    """
    import pwd
    name = USER if slot == 0 else f"{USER}{slot}"
    try:
        pw = pwd.getpwnam(name)
        return pw.pw_uid, pw.pw_gid, name
    except KeyError:
        pass
    with open(_lock_dir() / "useradd.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            useradd = shutil.which("useradd") or "/usr/sbin/useradd"
            run = subprocess.run([useradd, "--system", "--user-group", "--no-create-home", "--home-dir",
                                  "/nonexistent", "--shell", "/usr/sbin/nologin", "--comment",
                                  "nn-course sandboxed grading kernels", name], capture_output=True, text=True)
            if run.returncode != 0:
                raise SandboxUnavailable(f"could not create the grading user {name}: {run.stderr.strip()}")
            pw = pwd.getpwnam(name)
    return pw.pw_uid, pw.pw_gid, name


# --------------------------------------------------------------------------- in-kernel guard
GUARD_SOURCE = r'''
def _nnlab_guard():
    """Runs in the kernel before any student cell (IPKernelApp.exec_files).  See autograder/sandbox.py."""
    import builtins, gc, importlib, linecache, os, sys, types
    import numpy
    lab = os.environ["NNLAB_LAB_KEY"]
    core = importlib.import_module("autograder.checks.core")
    labmod = importlib.import_module("autograder.checks." + lab)
    # The oracle's source leaves the filesystem once compiled (the folder is the guard's tmpfs).
    checks_dir = os.path.dirname(core.__file__)
    for name in os.listdir(checks_dir):
        try:
            os.remove(os.path.join(checks_dir, name))
        except OSError:
            pass
    linecache.clearcache()
    forbidden = frozenset(getattr(labmod, "FORBIDDEN_IMPORTS", None) or
                          [m for m in os.environ.get("NNLAB_FORBIDDEN", "").split(",") if m])

    shell = get_ipython()  # noqa: F821 - exec_files run in the shell's namespace
    protected_modules = {n: m for n, m in sys.modules.items()
                         if n in ("builtins", "sys", "math") or n.split(".")[0] in ("numpy", "autograder")}
    module_dicts = [(m, dict(vars(m))) for n, m in protected_modules.items()
                    if n == "builtins" or n.split(".")[0] in ("numpy", "autograder") and isinstance(m, types.ModuleType)]
    check_types = [v for m in (core, labmod) for v in vars(m).values()
                   if isinstance(v, type) and getattr(v, "__module__", "").startswith("autograder")]
    shell_types = [t for t in type(shell).__mro__ if t.__module__.split(".")[0] in ("IPython", "ipykernel")]
    kernel = getattr(shell, "kernel", None)
    if kernel is not None:
        shell_types += [t for t in type(kernel).__mro__ if t.__module__.split(".")[0] == "ipykernel"]
    type_dicts = [(t, dict(vars(t))) for t in check_types + shell_types]
    instance_names = ("showtraceback", "_showtraceback", "showsyntaxerror", "run_cell", "run_cell_async",
                      "run_ast_nodes", "run_code", "do_execute", "execute_request", "displayhook", "display_pub")
    instances = [(o, {n: o.__dict__.get(n) for n in instance_names}) for o in (shell, kernel) if o is not None]
    streams = (sys.stdout, sys.stderr, sys.excepthook, sys.displayhook)
    function_codes = [(f, f.__code__, f.__defaults__, f.__kwdefaults__)
                      for m in (core, labmod) for f in vars(m).values() if isinstance(f, types.FunctionType)]
    missing = object()

    def restore():
        for name, mod in protected_modules.items():
            if sys.modules.get(name) is not mod:
                sys.modules[name] = mod
        for mod, snap in module_dicts:
            d = vars(mod)
            for k, v in snap.items():
                if d.get(k, missing) is not v:
                    d[k] = v
        for t, snap in type_dicts:
            for k, v in snap.items():
                if k in ("__dict__", "__weakref__", "__doc__"):
                    continue
                if t.__dict__.get(k, missing) is not v:
                    try:
                        setattr(t, k, v)
                    except (AttributeError, TypeError):
                        pass
        for obj, snap in instances:
            for k, v in snap.items():
                if v is None:
                    obj.__dict__.pop(k, None)
                elif obj.__dict__.get(k) is not v:
                    obj.__dict__[k] = v
        sys.stdout, sys.stderr, sys.excepthook, sys.displayhook = streams

    protected_ids = frozenset(id(f) for f, *_ in function_codes)

    def hook(event, args):
        if event == "compile":
            src = args[0]
            if isinstance(src, bytes):
                src = src.decode("utf-8", "replace")
            if isinstance(src, str) and "''' + HIDDEN_MARKER + r'''" in src:
                try:
                    restore()
                except Exception:   # never break the kernel: the checks' own originals still hold
                    pass
        elif event in ("gc.get_objects", "gc.get_referrers", "gc.get_referents"):
            raise RuntimeError("blocked by the grading sandbox: " + event)
        elif event in ("ctypes.call_function", "ctypes.string_at", "ctypes.wstring_at", "ctypes.cdata",
                       "ctypes.cdata/buffer", "ctypes.PyObj_FromPtr"):
            # raw memory and foreign calls (loading libraries stays allowed: torch needs it)
            raise RuntimeError("blocked by the grading sandbox: " + event)
        elif event == "object.__setattr__" and args[1] in ("__code__", "__defaults__", "__kwdefaults__") \
                and id(args[0]) in protected_ids:
            raise RuntimeError("blocked by the grading sandbox: rewriting a check function")
        elif event == "import" and args[0].split(".")[0] in forbidden:
            raise ImportError(args[0].split(".")[0] + " is not allowed in this lab (the grader refuses it): "
                              "implement it with NumPy")

    sys.addaudithook(hook)


_nnlab_guard()
del _nnlab_guard
'''


# --------------------------------------------------------------------------- kernel manager
def _kernel_manager_class():
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager

    class SandboxKernelManager(AsyncKernelManager):
        """An AsyncKernelManager whose kernel command is the sandbox around ipykernel."""

        sandbox = TDict(config=True, help="settings written by autograder.sandbox.configure")

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            s = self.sandbox
            self.transport = "ipc"
            self.ip = s["ipc_path"]             # absolute: kernel and client agree whatever their cwd
            self.connection_file = s["connection_file"]

        @property
        def kernel_spec(self):
            # nbgrader resets the notebook's kernelspec; this one does not depend on it.  Interrupts
            # are messages: the kernel is in another session (bwrap --new-session), signals miss it.
            return KernelSpec(argv=["python"], display_name="Python 3 (sandboxed)", language="python",
                              interrupt_mode="message", env={}, metadata={})

        def format_kernel_cmd(self, extra_arguments=None):
            cwd = (self._launch_args or {}).get("cwd") or os.getcwd()
            return build_command(self.sandbox, cwd, self.connection_file, list(extra_arguments or []))

    return SandboxKernelManager


TRUNCATED = "output truncated by the grader after"
#: Bytes of output (streams, displays, results) kept per cell.
MAX_OUTPUT = _env_int("NNLAB_MAX_OUTPUT_BYTES", 1_000_000)


def _execute_class(sandboxed: bool = True):
    from nbgrader.preprocessors import Execute

    class SandboxExecute(Execute):
        """nbgrader's Execute with the sandboxed kernel manager and a cap on each cell's output.

        The output cap works as messages arrive, in the grader process: a notebook printing
        1 GB never makes the grader hold it (nbgrader's LimitOutput only acts afterwards, on
        lines, and a single 1 GB line passes it).
        """

        max_output_bytes = Integer(MAX_OUTPUT, config=True, help="stream/display bytes kept per cell")

        def __init__(self, *args, **kwargs):
            if sandboxed:
                kwargs["kernel_manager_class"] = _kernel_manager_class()
            super().__init__(*args, **kwargs)
            self._out_bytes = {}

        def output(self, outs, msg, display_id, cell_index):
            content = msg.get("content", {})
            size = len(content.get("text", "")) + sum(len(str(v)) for v in content.get("data", {}).values())
            used = self._out_bytes.get(cell_index, 0)
            self._out_bytes[cell_index] = used + size
            if used + size > self.max_output_bytes and msg.get("msg_type") in ("stream", "display_data",
                                                                               "execute_result", "update_display_data"):
                if used <= self.max_output_bytes:
                    from nbformat.v4 import new_output
                    keep = max(0, self.max_output_bytes - used)
                    if msg.get("msg_type") == "stream":
                        outs.append(new_output("stream", name=content.get("name", "stdout"),
                                               text=content.get("text", "")[:keep]))
                    outs.append(new_output("stream", name="stdout",
                                           text=f"\n... {TRUNCATED} {self.max_output_bytes} bytes ...\n"))
                return None
            return super().output(outs, msg, display_id, cell_index)

    return SandboxExecute


def _replace_execute(c, cls) -> None:
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute
    pre = list(c.Autograde.autograde_preprocessors) if "autograde_preprocessors" in c.Autograde else \
        list(Autograde.class_traits()["autograde_preprocessors"].default())
    # (c.Execute.* keeps applying: traitlets loads the config of every class in the mro.)
    c.Autograde.autograde_preprocessors = [cls if p is Execute or p == "nbgrader.preprocessors.Execute" else p
                                           for p in pre]


def cap_output(c) -> None:
    """Trusted (unsandboxed) grading: nbgrader's kernel, with the per-cell output cap."""
    _replace_execute(c, _execute_class(sandboxed=False))


#: Errors that, raised by a cell outside the tests, mean the sandbox or a cap stopped something:
#: they are named in the unit's status so the TA sees who tried what.
EVENT_ERRORS = {"MemoryError", "PermissionError", "FileNotFoundError", "BlockingIOError", "ConnectionError",
                "ConnectionRefusedError", "gaierror", "TimeoutError", "OSError", "ProcessLookupError"}


def _event(output) -> str | None:
    ename, evalue = output.get("ename", ""), str(output.get("evalue", ""))
    if ename in ("KeyboardInterrupt", "CellTimeoutError"):
        return "interrupted at the time limit"
    if ename in EVENT_ERRORS or (ename == "RuntimeError" and "grading sandbox" in evalue) or \
            (ename in ("ImportError", "ModuleNotFoundError") and "not allowed in this lab" in evalue):
        return f"{ename}: {evalue[:80]}"
    return None


def output_notes(notebook_path) -> list[str]:
    """Notes read from the autograded notebook: cells whose output the grader truncated, and
    cells outside the tests stopped by the sandbox, a cap or the time limit (named)."""
    import nbformat
    from .notebooks import nbgrader_meta
    path = Path(notebook_path)
    if not path.exists():
        return []
    nb = nbformat.read(str(path), as_version=4)
    cut, events = [], []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        outs = cell.get("outputs", [])
        if any(TRUNCATED in "".join(o.get("text", "")) for o in outs if o.get("output_type") == "stream"):
            cut.append(str(i + 1))
        if nbgrader_meta(cell).get("grade"):
            continue   # a test cell's error is its verdict, reported per cell already
        for o in outs:
            if o.get("output_type") == "error" and _event(o):
                events.append(f"cell {i + 1} {_event(o)}")
                break
            if o.get("output_type") == "stream" and "MemoryError" in "".join(o.get("text", ""))[-20000:]:
                events.append(f"cell {i + 1} MemoryError (the kernel hit its memory cap, e.g. flooding output)")
                break
    notes = [f"output of cell(s) {', '.join(cut)} truncated (over {MAX_OUTPUT} bytes)"] if cut else []
    if events:
        notes.append("stopped: " + "; ".join(events[:5]))
    return notes


# --------------------------------------------------------------------------- per-unit setup
_RUNTIME: dict[str, dict] = {}


def lab_key(lab: str) -> str:
    from .paths import lab_key as key
    return key(lab)


def _venv_and_base() -> tuple[Path, Path]:
    """(virtualenv prefix, base Python installation prefix) of this interpreter."""
    return Path(sys.prefix), Path(sys.base_prefix)


def _sibling_imports(path: Path) -> list[str]:
    """Modules of the checks package a check module imports (``from .x import`` / ``from . import x``)."""
    import re
    text = path.read_text()
    names = set(re.findall(r"^\s*from \.(\w+) import", text, re.M))
    for group in re.findall(r"^\s*from \. import ([\w, ]+)", text, re.M):
        names.update(n.strip() for n in group.split(",") if n.strip())
    return sorted(n for n in names if (path.parent / f"{n}.py").exists() and n != path.stem)


def _sweep_stale(max_age: float = 7200.0) -> None:
    """Remove private folders of units that were killed before their cleanup (older than any unit)."""
    import time
    now = time.time()
    for d in Path("/tmp").glob("nnlab-sbx-*"):
        try:
            if now - d.stat().st_mtime > max_age:
                shutil.rmtree(d, ignore_errors=True)
        except OSError:
            pass


def configure(c, root, spec) -> None:
    """Point the unit's nbgrader config at a sandboxed kernel (fails closed).

    Called by :func:`autograder.unit.grade_unit` in the unit's own worker process: the
    environment changes made here (TMPDIR) end with the unit.
    """
    require()
    from . import checks

    root = Path(root)
    key = lab_key(spec["lab"])
    checks_dir = Path(list(checks.__path__)[0])
    # Short private folder (a Unix socket path must fit in 107 bytes), never shared with the kernel
    # except its ipc/ subfolder: connection file, check sources and the guard stay outside.
    _sweep_stale()
    private = Path(tempfile.mkdtemp(prefix="nnlab-sbx-", dir="/tmp"))
    os.chmod(private, 0o711)
    ipc = private / "ipc"
    ipc.mkdir()
    slot, slot_fd = acquire_slot()
    if os.geteuid() == 0:
        uid, gid, user = ensure_user(slot)
        os.chown(ipc, uid, gid)
        os.chmod(ipc, 0o700)
    else:
        uid, gid, user = os.getuid(), os.getgid(), None
    (private / "tmp").mkdir(mode=0o700)
    old_tmpdir = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(private / "tmp")   # where nbclient may mkstemp a connection file
    tempfile.tempdir = None
    guard = private / "guard.py"
    guard.write_text(GUARD_SOURCE)
    files = {"/nnlab/guard.py": str(guard),
             "/nnlab/pkg/autograder/__init__.py": os.devnull,
             "/nnlab/pkg/autograder/checks/core.py": str(checks_dir / "core.py"),
             f"/nnlab/pkg/autograder/checks/{key}.py": str(checks_dir / f"{key}.py")}
    for sibling in _sibling_imports(checks_dir / f"{key}.py"):   # e.g. a shared helper module of the checks
        files[f"/nnlab/pkg/autograder/checks/{sibling}.py"] = str(checks_dir / f"{sibling}.py")
    venv, base = _venv_and_base()
    import nnlab
    settings = {
        "ipc_path": str(ipc / "kernel"), "connection_file": str(private / "connection.json"),
        "private": str(private), "uid": uid, "gid": gid, "user": user, "files": files,
        "venv": str(venv), "base": str(base), "nnlab": str(Path(nnlab.__file__).parent),
        "lab_key": key, "forbidden": ",".join(FORBIDDEN_IMPORTS.get(key, ())),
        "memory": MEMORY, "nproc": NPROC, "fsize": FSIZE, "cpu": CPU, "workspace": WORKSPACE,
        "data_dirs": [d for d in (os.environ.get("NNLAB_MNIST_DIR"), os.environ.get("NNLAB_FASHION_MNIST_DIR"),
                                  str(Path(spec["course_root"]) / "data")) if d and os.path.isdir(d)],
    }
    c.SandboxKernelManager.sandbox = settings
    _replace_execute(c, _execute_class(sandboxed=True))
    _RUNTIME[str(root)] = {"private": str(private), "slot_fd": slot_fd, "tmpdir": old_tmpdir}


def cleanup(root) -> None:
    """Remove the unit's private folder and release its slot (called when the unit ends)."""
    info = _RUNTIME.pop(str(root), None)
    if not info:
        return
    shutil.rmtree(info["private"], ignore_errors=True)
    if info["tmpdir"] is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = info["tmpdir"]
    tempfile.tempdir = None
    try:
        os.close(info["slot_fd"])
    except OSError:
        pass


# --------------------------------------------------------------------------- the command
def _parents(args: list, path: str) -> None:
    """Create the ancestors of ``path`` traversable but not writable.

    bwrap makes missing ones 0700, which the grader uid could not enter.  Not writable by
    their owner either: in a user namespace (grading as an ordinary user) the kernel's uid
    owns them, and one under the sandbox's writable /tmp would otherwise take new files.
    """
    parts = Path(path).parts[1:-1]
    for i in range(1, len(parts) + 1):
        d = "/" + "/".join(parts[:i])
        pairs = set(zip(args, args[1:]))
        if ("--dir", d) not in pairs and ("--tmpfs", d) not in pairs:
            args += ["--perms", "0555", "--dir", d]


def _ro(args: list, path: str, dest: str | None = None) -> None:
    if os.path.exists(path):
        _parents(args, dest or path)
        args += ["--ro-bind", path, dest or path]


def build_command(s: dict, cwd: str, connection_file: str, extra: list[str]) -> list[str]:
    """The argv that starts the sandboxed kernel for settings ``s`` in working folder ``cwd``."""
    cwd = os.path.realpath(cwd)
    root = os.geteuid() == 0
    bw: list[str] = [shutil.which("bwrap") or "bwrap", *UNSHARE, "--die-with-parent", "--new-session",
                     "--hostname", "nnlab-sandbox", "--clearenv"]
    if not root:
        bw.append("--unshare-user")   # as root: no user namespace, so setpriv can switch to the real grader uid
    # System files, read-only.  /etc holds nothing an unprivileged uid may read that matters.
    bw += ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for link in ("bin", "sbin", "lib", "lib64", "lib32", "libx32"):
        target = f"/{link}"
        if os.path.islink(target):
            bw += ["--symlink", os.readlink(target), target]
        elif os.path.isdir(target):
            bw += ["--ro-bind", target, target]
    bw += ["--proc", "/proc", "--dev", "/dev",
           "--perms", "1777", "--size", str(s["workspace"]), "--tmpfs", "/tmp",
           "--perms", "1777", "--tmpfs", "/dev/shm"]
    # The interpreter, its virtualenv and nnlab, read-only (over an empty /root or course folder).
    for path in (s["base"], s["venv"], s["nnlab"], *s["data_dirs"]):
        _ro(bw, path)
    # The checks of this lab, as files of a tmpfs the guard may delete them from.
    _parents(bw, "/nnlab/pkg/autograder/checks")
    bw += ["--perms", "0777", "--tmpfs", "/nnlab/pkg/autograder/checks"]
    fds: list[tuple[int, str]] = []
    for n, (dest, src) in enumerate(sorted(s["files"].items())):
        fd = 3 + n
        fds.append((fd, src))
        bw += ["--perms", "0444", "--file", str(fd), dest]
    bw += ["--perms", "0444", "--file", str(3 + len(fds)), "/nnlab/connection.json"]
    fds.append((3 + len(fds), connection_file))
    # The kernel's sockets.
    _parents(bw, os.path.dirname(s["ipc_path"]))
    bw += ["--bind", os.path.dirname(s["ipc_path"]), os.path.dirname(s["ipc_path"])]
    # The working folder: a private tmpfs with the submission's files (no notebooks) bound read-only.
    _parents(bw, cwd)
    bw += ["--perms", "0777", "--size", str(s["workspace"]), "--tmpfs", cwd]
    for entry in sorted(os.listdir(cwd)):
        if entry.endswith(".ipynb") or entry.startswith("."):
            continue
        bw += ["--ro-bind", os.path.join(cwd, entry), os.path.join(cwd, entry)]
    bw += ["--chdir", cwd, "--remount-ro", "/"]
    env = {
        "PATH": f"{s['venv']}/bin:/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "USER": "student",
        "LANG": "C.UTF-8", "PYTHONPATH": "/nnlab/pkg", "PYTHONNOUSERSITE": "1", "PYTHONDONTWRITEBYTECODE": "1",
        "MPLCONFIGDIR": "/tmp/.matplotlib", "IPYTHONDIR": "/tmp/.ipython", "JUPYTER_CONFIG_DIR": "/tmp/.jupyter",
        "JUPYTER_RUNTIME_DIR": "/tmp/.jupyter-runtime", "TMPDIR": "/tmp",
        "JPY_PARENT_PID": "1",   # the pid namespace makes the parent look like init: no parent poller
        "NBGRADER_EXECUTION": "autograde", "NNLAB_LAB_KEY": s["lab_key"], "NNLAB_FORBIDDEN": s["forbidden"],
    }
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "TZ",
                 "NNLAB_MNIST_DIR", "NNLAB_FASHION_MNIST_DIR"):
        if os.environ.get(name):
            env[name] = os.environ[name]
    for k, v in env.items():
        bw += ["--setenv", k, v]
    bw.append("--")
    if root:
        bw += [shutil.which("setpriv") or "/usr/bin/setpriv", f"--reuid={s['uid']}", f"--regid={s['gid']}",
               "--clear-groups", "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--"]
    bw += [f"{s['venv']}/bin/python", "-m", "ipykernel_launcher", "-f", "/nnlab/connection.json",
           "--IPKernelApp.exec_files=['/nnlab/guard.py']", *extra]
    caps = [shutil.which("prlimit") or "/usr/bin/prlimit", f"--as={s['memory']}", f"--nproc={s['nproc']}",
            f"--fsize={s['fsize']}", f"--cpu={s['cpu']}", "--core=0", "--"]
    redirects = " ".join(f"{fd}<{shlex.quote(src)}" for fd, src in fds)
    return ["/bin/sh", "-c", f'exec "$@" {redirects}', "nnlab-sandbox", *caps, *bw]


def describe() -> str:
    """One line for logs: where kernels run and with which caps."""
    ok, reason = probe()
    if not ok:
        return f"sandbox unavailable: {reason}"
    who = f"as {USER}(+slot)" if os.geteuid() == 0 else "as the current user in a user namespace"
    return (f"sandboxed kernels (bwrap, {who}; caps: {MEMORY >> 20} MB address space, {NPROC} processes, "
            f"{FSIZE >> 20} MB per file, {CPU} s CPU)")


if __name__ == "__main__":  # python -m autograder.sandbox: report whether the sandbox works here
    ok, why = probe()
    print(describe() if ok else why)
    sys.exit(0 if ok else 1)
