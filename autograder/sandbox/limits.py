"""Caps of every sandboxed kernel (each settable by environment variable, for big labs)."""
from __future__ import annotations

import os
from dataclasses import dataclass


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@dataclass(frozen=True)
class Caps:
    memory: int      # address space, bytes, per process
    nproc: int       # processes + threads of the kernel's uid
    fsize: int       # largest file it may write, bytes
    cpu: int         # CPU seconds, per process
    workspace: int   # size of each writable tmpfs (working folder, /tmp, /dev/shm), bytes
    ipc: int         # size of the tmpfs holding the kernel's sockets, bytes

    @classmethod
    def from_env(cls) -> "Caps":
        return cls(memory=_env_int("NNLAB_SANDBOX_MEMORY_MB", 6144) * 2 ** 20,
                   nproc=_env_int("NNLAB_SANDBOX_NPROC", 256),
                   fsize=_env_int("NNLAB_SANDBOX_FSIZE_MB", 256) * 2 ** 20,
                   cpu=_env_int("NNLAB_SANDBOX_CPU_S", 900),
                   workspace=_env_int("NNLAB_SANDBOX_WORKSPACE_MB", 512) * 2 ** 20,
                   ipc=2 ** 20)


#: Bytes of output (streams, displays, results) the grader keeps per cell.
MAX_OUTPUT = _env_int("NNLAB_MAX_OUTPUT_BYTES", 1_000_000)
