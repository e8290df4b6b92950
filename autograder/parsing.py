"""Python source parsed and compiled under one process-wide lock.

CPython 3.11's AST constructors keep a recursion-depth counter that is not thread safe: two
threads parsing at once can fail with ``SystemError: AST constructor recursion depth
mismatch``.  The judge runs checks in threads (one per graded cell being judged: the mutants
harness grades several submissions at once), and both the declarations of a cell and the
formula analysis of a failing check parse source, so every parse and compile of the grading
process goes through here.  Parsing is microseconds; the lock costs nothing measurable.
"""
from __future__ import annotations

import ast
import threading
from types import CodeType

_LOCK = threading.Lock()


def parse(source: str) -> ast.Module:
    """``ast.parse(source)``, one thread at a time."""
    with _LOCK:
        return ast.parse(source)


def parse_expression(source: str) -> ast.Expression:
    """``ast.parse(source, mode="eval")``, one thread at a time."""
    with _LOCK:
        return ast.parse(source, mode="eval")


def compile_tree(tree: ast.Module | ast.Expression, filename: str, mode: str) -> CodeType:
    """``compile(tree, filename, mode)`` of a tree with its locations filled in, one thread at a time."""
    with _LOCK:
        return compile(ast.fix_missing_locations(tree), filename, mode)
