#!/usr/bin/env python3
"""Download and verify MNIST or Fashion-MNIST for the labs.

    python data/download.py                      # MNIST into the cache (data/mnist/ in a checkout)
    python data/download.py --kind fashion       # Fashion-MNIST (skipped if the Debian package has it)
    python data/download.py --kind mnist --dest /some/folder

Files already present are verified (SHA-256) instead of downloaded again. Exit status 0 when
all four files of the data set are present and verified, 1 otherwise (the message says why).
See data/README.md for where the files are looked for.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

# Work from a plain checkout too (nnlab not installed): the package sits next to data/.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nnlab import mnist  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", choices=mnist.KINDS, default="mnist",
                        help="data set to fetch (default: mnist)")
    parser.add_argument("--dest", metavar="DIR", default=None,
                        help="folder to put the files in (default: the nnlab cache, see data/README.md)")
    args = parser.parse_args(argv)
    try:
        paths = mnist.ensure(args.kind, args.dest)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path in paths:
        print(f"ok  {path}")
    print(f"All four {args.kind} files are present and verified.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
