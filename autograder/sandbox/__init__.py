"""Sandboxed grading kernels: bubblewrap, an unprivileged account per slot, size and time caps.

One concern per module:

* :mod:`.availability` - can this machine create the namespaces? (fail closed, loud opt-out)
* :mod:`.accounts` - slot locks and the grader accounts (as root)
* :mod:`.limits` - the caps (memory, processes, file size, CPU, tmpfs sizes, output)
* :mod:`.command` - the bwrap command line and what it binds
* :mod:`.kernel` - the jupyter_client kernel manager that starts it
* :mod:`.workspace` - the host side of one notebook's grading (private folder, judge socket)
* :mod:`.notes` - what the sandbox stopped, read back for the TA

The verdict is not made here: the kernel only computes, the judge decides outside it
(autograder/judge/).  See docs/sandbox.md.
"""
from __future__ import annotations

from .accounts import USER, acquire_slot, ensure_user, lock_dir
from .availability import SandboxUnavailable, disabled_by_env, probe, require, warn_unsandboxed
from .command import SandboxSettings, UnsafeSubmissionFile, build_command, plain_entries
from .limits import MAX_OUTPUT, Caps
from .notes import TRUNCATED, output_notes
from .workspace import UnitWorkspace


def describe() -> str:
    """One line for logs: where kernels run and with which caps."""
    import os
    ok, reason = probe()
    if not ok:
        return f"sandbox unavailable: {reason}"
    caps = Caps.from_env()
    who = f"as {USER}(+slot)" if os.geteuid() == 0 else "as the current user in a user namespace"
    return (f"sandboxed kernels (bwrap, {who}; caps: {caps.memory >> 20} MB address space, {caps.nproc} processes, "
            f"{caps.fsize >> 20} MB per file, {caps.cpu} s CPU)")


__all__ = ["USER", "Caps", "MAX_OUTPUT", "SandboxSettings", "SandboxUnavailable", "TRUNCATED", "UnitWorkspace",
           "UnsafeSubmissionFile", "acquire_slot", "build_command", "describe", "disabled_by_env", "ensure_user",
           "lock_dir", "output_notes", "plain_entries", "probe", "require", "warn_unsandboxed"]
