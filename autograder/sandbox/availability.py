"""Can this machine sandbox kernels?  Probed once per process; grading fails closed without it."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

#: Namespaces of the sandbox (``--unshare-all`` would add a user namespace even as root, where
#: the grader uid is then unmapped and setpriv cannot switch to it).
UNSHARE = ("--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try")

_PROBE: tuple[bool, str] | None = None


class SandboxUnavailable(RuntimeError):
    """bubblewrap cannot create the namespaces the sandbox needs on this machine."""


def disabled_by_env() -> bool:
    """``NNLAB_SANDBOX=0`` (or no/false/off): the loud opt-out, for trusted notebooks only."""
    return os.environ.get("NNLAB_SANDBOX", "1").strip().lower() in ("0", "no", "false", "off")


def warn_unsandboxed(stream=None) -> None:
    """The loud opt-out message (printed once per grading run)."""
    bar = "!" * 78
    print(f"{bar}\n!! SANDBOX DISABLED (--no-sandbox / NNLAB_SANDBOX=0): student code runs with YOUR rights.\n"
          f"!! It can read the solutions, the gradebook and other submissions, and change your files.\n"
          f"!! Use this for trusted notebooks only (the repository's own fixtures).\n{bar}",
          file=stream or sys.stderr, flush=True)


def probe(force: bool = False) -> tuple[bool, str]:
    """(works, reason): can bwrap create pid/net/ipc/uts (and, unprivileged, user) namespaces here?"""
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
    from .accounts import lock_dir
    ok, reason = probe()
    if not ok:
        raise SandboxUnavailable(reason)
    lock_dir()   # usable by this user (see there), checked before any unit starts
