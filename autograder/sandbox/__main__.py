"""python -m autograder.sandbox: report whether the sandbox works here."""
import sys

from . import describe, probe

ok, why = probe()
print(describe() if ok else why)
sys.exit(0 if ok else 1)
