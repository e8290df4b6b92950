"""The command line that starts a sandboxed kernel::

    sh -c 'exec "$@" 3<connection.json 4>bwrap-info.json'
      prlimit --as --nproc --fsize --cpu --core=0 --            (caps, inherited by every child)
        bwrap --unshare-{pid,net,ipc,uts,cgroup} --die-with-parent --new-session --clearenv ...
          setpriv --reuid nnlab-graderN ... --no-new-privs --   (as root only: drop to the grader user)
            python -m ipykernel_launcher -f /nnlab/connection.json

Inside: no network, a new pid namespace, the host filesystem absent except ``/usr`` and
``/etc`` (read-only), the Python installation and virtualenv (read-only), ``nnlab`` and the
public kernel-side package ``autograder/kernel`` (read-only; the checks themselves never
enter), the data sets the labs load (read-only), the judge's socket folder (read-only: a
kernel connects to a socket, it cannot create files there) and the submission's files
(read-only, in a size-capped tmpfs working folder).  Every writable place is a size-capped
tmpfs inside the sandbox, the kernel's own sockets included: the grader reaches those
through ``/proc/<pid>/root``, so no host folder is writable from inside.
"""
from __future__ import annotations

import os
import shlex
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path

from .availability import UNSHARE
from .limits import Caps

#: Where things are inside the sandbox.
IPC_DIR = "/nnlab/ipc"
JUDGE_DIR = "/nnlab/judge"
PKG = "/nnlab/pkg"
CONNECTION = "/nnlab/connection.json"
KERNEL_FILES = ("__init__.py", "wire.py", "peer.py", "evaluator.py", "shim.py", "policy.py", "where.py",
                "variants.py", "work.py")


@dataclass(frozen=True)
class SandboxSettings:
    """Everything :func:`build_command` needs for one unit."""
    private: str                 # the unit's host folder (never bound, except its judge/ subfolder)
    judge_dir: str               # host folder of the judge socket, bound read-only at JUDGE_DIR
    info_file: str               # where bwrap writes the sandbox's pid (--info-fd)
    uid: int
    gid: int
    user: str | None             # the grader account (as root), None in a user namespace
    venv: str
    base: str
    nnlab: str
    kernel_pkg: str              # autograder/kernel on the host
    lab_key: str
    forbidden: tuple[str, ...] = ()
    data_binds: tuple[tuple[str, str], ...] = ()     # (host folder, folder in the sandbox), read-only
    env: tuple[tuple[str, str], ...] = ()            # extra environment of the kernel
    caps: Caps = field(default_factory=Caps.from_env)


class UnsafeSubmissionFile(ValueError):
    """The working folder holds something other than plain files and folders."""


def _parents(args: list, path: str) -> None:
    """Create the ancestors of ``path`` traversable but not writable.

    bwrap makes missing ones 0700, which the grader uid could not enter.  Not writable by
    their owner either: in a user namespace (grading as an ordinary user) the kernel's uid
    owns them, and one under the sandbox's writable /tmp would otherwise take new files.
    """
    parts = Path(path).parts[1:-1]
    pairs = set(zip(args, args[1:]))
    for i in range(1, len(parts) + 1):
        d = "/" + "/".join(parts[:i])
        if ("--dir", d) not in pairs and ("--tmpfs", d) not in pairs:
            args += ["--perms", "0555", "--dir", d]
            pairs.add(("--dir", d))


def _ro(args: list, path: str, dest: str | None = None) -> None:
    if os.path.exists(path):
        _parents(args, dest or path)
        args += ["--ro-bind", path, dest or path]


def plain_entries(folder: str) -> list[str]:
    """The submission files to bind (notebooks and dot-files excluded); refuses anything that
    is not a regular file or folder, at any depth (links would expose their targets)."""
    out = []
    for entry in sorted(os.listdir(folder)):
        if entry.endswith(".ipynb") or entry.startswith("."):
            continue
        path = os.path.join(folder, entry)
        for root, dirs, files in os.walk(path) if os.path.isdir(path) and not os.path.islink(path) else [("", [], [])]:
            for name in dirs + files:
                mode = os.lstat(os.path.join(root, name)).st_mode
                if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                    raise UnsafeSubmissionFile(repr(os.path.relpath(os.path.join(root, name), folder)))
        mode = os.lstat(path).st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            raise UnsafeSubmissionFile(repr(entry))
        out.append(entry)
    return out


def build_command(s: SandboxSettings, cwd: str, connection_file: str, extra: list[str]) -> list[str]:
    """The argv that starts the sandboxed kernel for settings ``s`` in working folder ``cwd``."""
    cwd = os.path.realpath(cwd)
    root = os.geteuid() == 0
    caps = s.caps
    bw: list[str] = [shutil.which("bwrap") or "bwrap", *UNSHARE, "--die-with-parent", "--new-session",
                     "--hostname", "nnlab-sandbox", "--clearenv", "--info-fd", "4"]
    if not root:
        bw.append("--unshare-user")   # as root: no user namespace, so setpriv can switch to the real grader uid
    bw += ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for link in ("bin", "sbin", "lib", "lib64", "lib32", "libx32"):
        target = f"/{link}"
        if os.path.islink(target):
            bw += ["--symlink", os.readlink(target), target]
        elif os.path.isdir(target):
            bw += ["--ro-bind", target, target]
    bw += ["--proc", "/proc", "--dev", "/dev",
           "--perms", "1777", "--size", str(caps.workspace), "--tmpfs", "/tmp",
           "--perms", "1777", "--size", str(caps.workspace), "--tmpfs", "/dev/shm"]
    for path in (s.base, s.venv):
        _ro(bw, path)
    # nnlab on the kernel's PYTHONPATH, whichever checkout the grader runs from (an editable
    # install may point elsewhere).
    _ro(bw, s.nnlab, f"{PKG}/nnlab")
    for host, inside in s.data_binds:
        _ro(bw, host, inside)
    # The public kernel-side package, and the lab's checks module as its shim.
    for name in KERNEL_FILES:
        _ro(bw, os.path.join(s.kernel_pkg, name), f"{PKG}/autograder/kernel/{name}")
    package_doc = os.path.join(s.kernel_pkg, "__init__.py")   # a docstring only: fine as any __init__
    _ro(bw, package_doc, f"{PKG}/autograder/__init__.py")
    _ro(bw, package_doc, f"{PKG}/autograder/checks/__init__.py")
    _ro(bw, os.path.join(s.kernel_pkg, "shim.py"), f"{PKG}/autograder/checks/{s.lab_key}.py")
    bw += ["--perms", "0444", "--file", "3", CONNECTION]
    _ro(bw, s.judge_dir, JUDGE_DIR)
    # The kernel's sockets: a small tmpfs of its own (the grader connects through /proc/<pid>/root).
    _parents(bw, IPC_DIR + "/x")
    bw += ["--perms", "1777", "--size", str(caps.ipc), "--tmpfs", IPC_DIR]
    # The working folder: a private tmpfs with the submission's files (no notebooks) bound read-only.
    entries = plain_entries(cwd)
    _parents(bw, cwd)
    bw += ["--perms", "0777", "--size", str(caps.workspace), "--tmpfs", cwd]
    for entry in entries:
        bw += ["--ro-bind", os.path.join(cwd, entry), os.path.join(cwd, entry)]
    bw += ["--chdir", cwd, "--remount-ro", "/"]
    env = {
        "PATH": f"{s.venv}/bin:/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "USER": "student",
        "LANG": "C.UTF-8", "PYTHONPATH": PKG, "PYTHONNOUSERSITE": "1", "PYTHONDONTWRITEBYTECODE": "1",
        "MPLCONFIGDIR": "/tmp/.matplotlib", "IPYTHONDIR": "/tmp/.ipython", "JUPYTER_CONFIG_DIR": "/tmp/.jupyter",
        "JUPYTER_RUNTIME_DIR": "/tmp/.jupyter-runtime", "TMPDIR": "/tmp",
        "JPY_PARENT_PID": "1",   # the pid namespace makes the parent look like init: no parent poller
        "NBGRADER_EXECUTION": "autograde", "NNLAB_FORBIDDEN": ",".join(s.forbidden),
        "NNLAB_JUDGE_SOCKET": f"{JUDGE_DIR}/judge.sock",
    }
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "TZ"):
        if os.environ.get(name):
            env[name] = os.environ[name]
    env.update(dict(s.env))
    for k, v in env.items():
        bw += ["--setenv", k, v]
    bw.append("--")
    if root:
        bw += [shutil.which("setpriv") or "/usr/bin/setpriv", f"--reuid={s.uid}", f"--regid={s.gid}",
               "--clear-groups", "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--"]
    bw += [f"{s.venv}/bin/python", "-m", "ipykernel_launcher", "-f", CONNECTION,
           f"--IPKernelApp.exec_files=['{PKG}/autograder/kernel/policy.py']", *extra]
    limits = [shutil.which("prlimit") or "/usr/bin/prlimit", f"--as={caps.memory}", f"--nproc={caps.nproc}",
              f"--fsize={caps.fsize}", f"--cpu={caps.cpu}", "--core=0", "--"]
    redirects = f"3<{shlex.quote(connection_file)} 4>{shlex.quote(s.info_file)}"
    return ["/bin/sh", "-c", f'exec "$@" {redirects}', "nnlab-sandbox", *limits, *bw]
