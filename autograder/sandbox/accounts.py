"""Accounts and slots of sandboxed kernels (grading as root: one unprivileged uid per slot).

A slot is an exclusive lock held for a unit's lifetime; as root, slot ``k`` is the account
``nnlab-grader`` + k, so a fork loop in one unit cannot use up another's process budget
(counted per uid).  Grading as an ordinary user, kernels run in a user namespace instead.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import signal
import stat
import subprocess
import time
from pathlib import Path

from .availability import SandboxUnavailable

#: Name of the unprivileged account kernels run as when grading as root (created if missing).
USER = os.environ.get("NNLAB_SANDBOX_USER", "nnlab-grader")


def lock_dir() -> Path:
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
    d = lock_dir()
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
    with open(lock_dir() / "useradd.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            useradd = shutil.which("useradd") or "/usr/sbin/useradd"
            run = subprocess.run([useradd, "--system", "--user-group", "--no-create-home", "--home-dir",
                                  "/nonexistent", "--shell", "/usr/sbin/nologin", "--comment",
                                  "nn-course sandboxed grading kernels", name], capture_output=True, text=True)
            if run.returncode != 0:
                raise SandboxUnavailable(f"could not create the grading user {name}: {run.stderr.strip()}") from None
            pw = pwd.getpwnam(name)
    return pw.pw_uid, pw.pw_gid, name


def _processes_of(uid: int) -> list[int]:
    """Pids whose real uid is ``uid`` (from /proc; processes that vanish meanwhile are skipped)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                for line in f:
                    if line.startswith("Uid:"):
                        if int(line.split()[1]) == uid:
                            pids.append(int(entry))
                        break
        except (OSError, ValueError):
            pass
    return pids


def clear_account(uid: int, timeout: float = 10.0) -> int:
    """Kill what is left of the previous unit that used this slot's account; wait until it is gone.

    Root only, with the slot's lock held (so every process of ``uid`` is a leftover).  The
    process cap counts a uid's processes, and a sandbox's last processes (a fork loop's, say)
    are still exiting for a moment after its unit ended: without this, the next unit on the
    slot could start with no processes to spare and its kernel would die at start.
    Returns how many processes were found.
    """
    found = _processes_of(uid)
    deadline = time.monotonic() + timeout
    pids = found
    while pids and time.monotonic() < deadline:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.02)
        pids = _processes_of(uid)
    return len(found)
