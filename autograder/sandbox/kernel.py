"""The kernel manager of sandboxed kernels: jupyter_client's, with the sandbox as its command.

Traps of wrapping ipykernel (see the notes on grading facts): ``JPY_PARENT_PID=1`` (the pid
namespace makes the parent look like init), ``transport=ipc`` with an absolute path,
``interrupt_mode=message`` (``--new-session`` would swallow SIGINT) and a kernel spec that
nbgrader cannot reset.  The kernel's sockets live in a tmpfs *inside* the sandbox; once
bwrap has said which process it started (``--info-fd``), the client side connects through
``/proc/<pid>/root``, so no host folder needs to be writable by the kernel.
"""
from __future__ import annotations

import asyncio
import json
import os
import time
from typing import Any

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager

from .command import IPC_DIR, SandboxSettings, build_command

#: How long bwrap may take to report the sandbox's pid.
INFO_TIMEOUT = 20.0


def manager_class(settings: SandboxSettings) -> type:
    """An ``AsyncKernelManager`` subclass bound to ``settings`` (one per unit)."""

    class SandboxKernelManager(AsyncKernelManager):
        sandbox = settings

        def __init__(self, **kwargs: Any):
            super().__init__(**kwargs)
            self.transport = "ipc"
            self.ip = f"{IPC_DIR}/kernel"          # the kernel's view, written into its connection file
            self.connection_file = os.path.join(self.sandbox.private, "connection.json")

        @property
        def kernel_spec(self):
            return KernelSpec(argv=["python"], display_name="Python 3 (sandboxed)", language="python",
                              interrupt_mode="message", env={}, metadata={})

        def format_kernel_cmd(self, extra_arguments=None):
            cwd = (self._launch_args or {}).get("cwd") or os.getcwd()
            return build_command(self.sandbox, cwd, self.connection_file, list(extra_arguments or []))

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            if os.path.exists(self.sandbox.info_file):
                os.unlink(self.sandbox.info_file)
            await super()._async_launch_kernel(kernel_cmd, **kw)
            pid = await _sandbox_pid(self.sandbox.info_file)
            self.ip = f"/proc/{pid}/root{IPC_DIR}/kernel"   # the client's view of the same sockets

    return SandboxKernelManager


def plain_manager_class(private: str) -> type:
    """The kernel manager of a trusted (unsandboxed) unit: jupyter_client's, on Unix sockets.

    With TCP, jupyter_client picks each port by binding port 0 and releasing it before the
    kernel binds it; two units starting kernels at the same moment can be handed the same
    port, and one kernel dies before replying (seen under parallel grading).  Unix sockets
    in the unit's private folder cannot collide.
    """

    class PlainKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any):
            super().__init__(**kwargs)
            self.transport = "ipc"
            self.ip = os.path.join(private, "kernel")
            self.connection_file = os.path.join(private, "connection.json")

    return PlainKernelManager


async def _sandbox_pid(info_file: str) -> int:
    deadline = time.monotonic() + INFO_TIMEOUT
    while time.monotonic() < deadline:
        try:
            with open(info_file) as f:
                info = json.loads(f.read() or "{}")
            if type(info.get("child-pid")) is int:
                return info["child-pid"]
        except (OSError, ValueError):
            pass
        await asyncio.sleep(0.005)
    raise RuntimeError("the sandbox did not start (bwrap reported no process)")
