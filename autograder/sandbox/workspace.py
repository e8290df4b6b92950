"""The host side of grading one notebook: a private folder, the judge's socket, a kernel account.

``UnitWorkspace`` is entered by the judged execute preprocessor for each notebook it runs,
sandboxed or not: the judge socket lives in its ``judge/`` folder either way.  Sandboxed, it
also holds a slot (and, as root, the slot's unprivileged account) and produces the kernel
manager class.  Everything is removed when it exits.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from .accounts import acquire_slot, clear_account, ensure_user
from .availability import require
from .command import JUDGE_DIR, KERNEL_FILES, SandboxSettings
from .kernel import manager_class, plain_manager_class
from .limits import Caps


def _sweep_stale(max_age: float = 7200.0) -> None:
    """Remove private folders of units that were killed before their cleanup (older than any unit)."""
    now = time.time()
    for d in Path("/tmp").glob("nnlab-sbx-*"):
        try:
            if now - d.stat().st_mtime > max_age:
                shutil.rmtree(d, ignore_errors=True)
        except OSError:
            pass


class UnitWorkspace:
    """``with UnitWorkspace(lab_key, sandboxed=True, ...) as ws:`` then ``ws.judge_socket`` (host
    path the judge listens at) and ``ws.manager_class`` (the kernel manager to start the kernel with)."""

    def __init__(self, lab_key: str, *, sandboxed: bool, forbidden: tuple[str, ...] = (),
                 data_binds: tuple[tuple[str, str], ...] = (), env: tuple[tuple[str, str], ...] = ()):
        self.lab_key, self.sandboxed = lab_key, sandboxed
        self.forbidden, self.data_binds, self.env = forbidden, data_binds, env
        self.private: Path | None = None
        self.manager_class: type | None = None
        self._slot_fd: int | None = None
        self._old_env: dict[str, str | None] = {}

    @property
    def judge_socket(self) -> str:
        assert self.private is not None, "enter the workspace first"
        return str(self.private / "judge" / "judge.sock")

    def __enter__(self) -> "UnitWorkspace":
        if self.sandboxed:
            require()
        _sweep_stale()
        # Short (a Unix socket path must fit in 107 bytes) and private: only judge/ is ever bound.
        self.private = Path(tempfile.mkdtemp(prefix="nnlab-sbx-", dir="/tmp"))
        os.chmod(self.private, 0o711)
        (self.private / "judge").mkdir(mode=0o755)
        (self.private / "tmp").mkdir(mode=0o700)
        # nbclient and jupyter_client may create temporary files: never in a shared /tmp.
        self._setenv("TMPDIR", str(self.private / "tmp"))
        if not self.sandboxed:
            # The plain kernel inherits this environment: the judge's socket, the data sets, and
            # a PYTHONPATH on which autograder.checks.<lab> is the shim, as in the sandbox.
            self._setenv("NNLAB_JUDGE_SOCKET", self.judge_socket)
            for name, value in self.env:
                self._setenv(name, value)
            pkg = self._kernel_package()
            self._setenv("PYTHONPATH", os.pathsep.join(p for p in (str(pkg), os.environ.get("PYTHONPATH")) if p))
            self.manager_class = plain_manager_class(str(self.private))
            return self
        slot, self._slot_fd = acquire_slot()
        if os.geteuid() == 0:
            uid, gid, user = ensure_user(slot)
            clear_account(uid)
        else:
            uid, gid, user = os.getuid(), os.getgid(), None
        import nnlab
        kernel_pkg = Path(__file__).resolve().parents[1] / "kernel"
        settings = SandboxSettings(
            private=str(self.private), judge_dir=str(self.private / "judge"),
            info_file=str(self.private / "bwrap-info.json"), uid=uid, gid=gid, user=user,
            venv=sys.prefix, base=sys.base_prefix, nnlab=str(Path(nnlab.__file__).resolve().parent),
            kernel_pkg=str(kernel_pkg), lab_key=self.lab_key, forbidden=tuple(self.forbidden),
            data_binds=tuple(self.data_binds), env=tuple(self.env), caps=Caps.from_env())
        self.manager_class = manager_class(settings)
        return self

    def _kernel_package(self) -> Path:
        """``private/pkg``: autograder/kernel and the lab's shim, as the sandbox lays them out."""
        assert self.private is not None
        kernel_pkg = Path(__file__).resolve().parents[1] / "kernel"
        pkg = self.private / "pkg" / "autograder"
        (pkg / "kernel").mkdir(parents=True)
        (pkg / "checks").mkdir()
        for name in KERNEL_FILES:
            shutil.copy(kernel_pkg / name, pkg / "kernel" / name)
        for init in (pkg / "__init__.py", pkg / "checks" / "__init__.py"):
            shutil.copy(kernel_pkg / "__init__.py", init)
        shutil.copy(kernel_pkg / "shim.py", pkg / "checks" / f"{self.lab_key}.py")
        return pkg.parent

    def _setenv(self, name: str, value: str) -> None:
        self._old_env.setdefault(name, os.environ.get(name))
        os.environ[name] = value
        tempfile.tempdir = None

    def __exit__(self, *exc) -> None:
        for name, value in self._old_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        tempfile.tempdir = None
        if self.private is not None:
            shutil.rmtree(self.private, ignore_errors=True)
        if self._slot_fd is not None:
            try:
                os.close(self._slot_fd)
            except OSError:
                pass


#: The judge socket as the sandboxed kernel sees it (set in its environment by the command).
KERNEL_JUDGE_SOCKET = f"{JUDGE_DIR}/judge.sock"
