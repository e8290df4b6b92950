"""Run in the kernel before any student cell: refuse the frameworks a lab forbids.

This is a rule of the lab, not a defence of the verdict (the verdict is made outside the
kernel): Lab 01 asks for NumPy implementations, so importing a framework that computes
gradients for you is refused while grading.  ``NNLAB_FORBIDDEN`` lists the top-level
package names; an audit hook cannot be removed from Python code.
"""


def _install() -> None:
    import os
    import sys

    forbidden = frozenset(m for m in os.environ.get("NNLAB_FORBIDDEN", "").split(",") if m)
    if not forbidden:
        return

    def hook(event, args):
        if event == "import" and str(args[0]).split(".")[0] in forbidden:
            raise ImportError(str(args[0]).split(".")[0] + " is not allowed in this lab (the grader refuses it): "
                              "implement it with NumPy")

    sys.addaudithook(hook)


_install()
del _install
