"""Naming the wrong term of a formula: which single edit of the documented formula gives the student's values.

A check that knows the formula a function implements (``"s * (1 + x * (1 - s))"``, written in Python with
the quantities a student's code has at hand) and the student's values on the same inputs asks
:func:`explain_formula` which *one* edit of that formula reproduces those values: a quantity replaced by
another (``1 - x`` where ``1 - s`` belongs, the CDF for the pdf, the output for the input), a term or a
factor dropped, a sign or an operator flipped in one place, an exponent changed (``x ** 2`` for ``x ** 3``)
or moved (``(1 - y) ** 2`` for ``1 - y ** 2``), a constant dropped or changed, a pair of parentheses
missing (``dA * 1 - t ** 2``), a factor moved into or out of a function's argument (``erf(x) / sqrt(2)``,
``expm1(alpha * x)``), ``abs(x)`` or ``-x`` for ``x``.  The answer quotes the formula the values fit and
the term that differs, so the student knows which part of which line to fix.  Nothing is catalogued per
function: the edits are generated from the formula's syntax tree, so mistakes nobody listed are named too.

Only edits whose values differ from the right formula's count, and only an answer that is unambiguous
(all matching edits touch the same term) is given.
"""
from __future__ import annotations

import ast
import copy
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from .. import parsing

#: Functions a formula may use besides those the caller passes in ``env``.
FUNCTIONS: dict[str, Any] = {
    "exp": np.exp, "log": np.log, "log1p": np.log1p, "expm1": np.expm1, "sqrt": np.sqrt, "tanh": np.tanh,
    "abs": np.abs, "cosh": np.cosh, "pi": math.pi, "maximum": np.maximum, "minimum": np.minimum,
}

_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)
_PREC = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2, ast.FloorDiv: 2, ast.Mod: 2, ast.Pow: 3}


def _src(node: ast.AST) -> str:
    return ast.unparse(node)


def _nodes(tree: ast.AST) -> list[tuple[ast.AST, ast.AST | None, str, int | None]]:
    """Every expression node with its parent and where it sits there (field, index)."""
    out = []
    for parent in ast.walk(tree):
        for fieldname, value in ast.iter_fields(parent):
            if isinstance(value, ast.expr):
                out.append((value, parent, fieldname, None))
            elif isinstance(value, list):
                out += [(v, parent, fieldname, i) for i, v in enumerate(value) if isinstance(v, ast.expr)]
    return out


def _parse(text: str) -> ast.Expression:
    return parsing.parse_expression(text)


def _vocabulary(names: Sequence[str]) -> list[str]:
    """Quantities a student may write where another belongs: the names, their complements, squares and
    products (``1 - x``, ``y ** 2``, ``s * (1 - s)``...)."""
    out = []
    for a in names:
        out += [a, f"1 - {a}", f"1 + {a}", f"{a} ** 2", f"1 - {a} ** 2", f"abs({a})", f"-{a}", f"2 * {a}",
                f"{a} / 2", f"{a} * (1 - {a})"]
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            out += [f"{a} * {b}", f"{a} * (1 - {b})", f"{b} * (1 - {a})"]
    return out


def _edits(tree: ast.Expression, names: Sequence[str], functions: Sequence[str],
           params: Mapping[str, float] | None = None) -> Iterator[tuple[str, str, ast.AST, str]]:
    """(old term, new term, edited tree) for every single edit of ``tree``; ``params``: scalar parameters
    (alpha, scale), which may be dropped from a sum (replaced by 1) or written rounded (1.05 for 1.0507...)."""
    params = params or {}
    vocab = [_parse(v).body for v in _vocabulary(names)]
    for node, parent, fieldname, index in _nodes(tree):
        root = parent is tree

        def put(new: ast.AST, node=node, parent=parent, fieldname=fieldname, index=index) -> ast.AST:
            """A copy of the whole tree with ``node`` replaced by ``new``."""
            if index is None:
                setattr(parent, fieldname, new)
            else:
                getattr(parent, fieldname)[index] = new
            edited = copy.deepcopy(tree)
            if index is None:
                setattr(parent, fieldname, node)
            else:
                getattr(parent, fieldname)[index] = node
            return edited

        old = _src(node)
        # a lone number or name is shown with the operation it belongs to: `x ** 3`, `1 - s`
        shown = parent if isinstance(node, (ast.Constant, ast.Name)) and isinstance(parent, ast.BinOp) \
            and parent is not tree.body else None
        candidates: list[ast.AST] = []
        if isinstance(node, ast.Name) and node.id in names:
            # another quantity in its place: the tree is compiled once with a slot, filled with each quantity
            code = _compile(put(ast.Name(_SLOT, ast.Load())))
            for v in vocab:
                text = _src(v)
                if text == old:
                    continue
                before, after = old, text
                if shown is not None:
                    before = _src(parent)
                    setattr(parent, fieldname, v)
                    after = _src(parent)
                    setattr(parent, fieldname, node)
                yield before, after, _Slot(code, text, lambda v=v, put=put: put(copy.deepcopy(v))), ""
            if isinstance(parent, ast.BinOp) and isinstance(parent.op, (ast.Add, ast.Sub)):
                candidates.append(ast.Constant(1))        # a parameter dropped from a sum: y + 1 for y + alpha
        elif isinstance(node, ast.Name) and node.id in params:
            c = params[node.id]
            rounded = {float(f"{c:.{k}g}") for k in (2, 3)} - {c}
            candidates += [ast.Constant(v) for v in sorted(rounded)]
            if isinstance(parent, ast.BinOp) and isinstance(parent.op, (ast.Add, ast.Sub)) and c != 1:
                candidates.append(ast.Constant(1))        # a parameter dropped from a sum: y + 1 for y + alpha
        elif isinstance(node, ast.Name) and node.id in functions and isinstance(parent, ast.Call):
            candidates += [ast.Name(f, ast.Load()) for f in functions if f != node.id]
        elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            c = float(node.value)
            for v in (1.0, 0.0, 2 * c, c / 2, -c, c * c, c + 1, c - 1) + ((math.sqrt(c),) if c > 0 else ()):
                if v != c:
                    candidates.append(ast.Constant(int(v) if float(v).is_integer() else v))
        elif isinstance(node, ast.BinOp):
            left, right = node.left, node.right
            candidates += [left, right]                                     # a term or factor dropped
            # one operator for another: + for -, * for /, * for ** (y * 2 for y ** 2), * for +...
            candidates += [ast.BinOp(left, op(), right) for op in _OPS if not isinstance(node.op, op)]
            if isinstance(node.op, ast.Pow):
                candidates.append(left)
            # parentheses missing: the operand of lower precedence spills over
            p = _PREC.get(type(node.op), 0)
            if isinstance(right, ast.BinOp) and _PREC.get(type(right.op), 9) < p and not isinstance(node.op, ast.Pow):
                candidates.append(ast.BinOp(ast.BinOp(left, node.op, right.left), right.op, right.right))
            if isinstance(left, ast.BinOp) and _PREC.get(type(left.op), 9) < p and not isinstance(node.op, ast.Pow):
                candidates.append(ast.BinOp(left.left, left.op, ast.BinOp(left.right, node.op, right)))
            # an exponent applied to the whole expression instead of its last operand: (1 - y) ** 2
            if isinstance(right, ast.BinOp) and isinstance(right.op, ast.Pow):
                candidates.append(ast.BinOp(ast.BinOp(left, node.op, right.left), ast.Pow(), right.right))
            # a factor moved into a function's argument: alpha * expm1(x) -> expm1(alpha * x)
            for k, f in ((left, right), (right, left)):
                if isinstance(node.op, ast.Mult) and isinstance(f, ast.Call) and len(f.args) == 1:
                    candidates.append(ast.Call(f.func, [ast.BinOp(k, ast.Mult(), f.args[0])], []))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            candidates.append(node.operand)
        if isinstance(node, ast.Call) and len(node.args) > 1:
            candidates.append(node.args[0])                                 # maximum(x, 0) -> x: forgotten
        if isinstance(node, ast.Call) and len(node.args) == 1:
            arg = node.args[0]
            candidates.append(arg)                                          # the function forgotten
            if isinstance(arg, ast.BinOp) and isinstance(arg.op, (ast.Mult, ast.Div)):
                # a factor of the argument applied outside: erf(x / sqrt(2)) -> erf(x) / sqrt(2)
                candidates.append(ast.BinOp(ast.Call(node.func, [arg.left], []), arg.op, arg.right))
                candidates.append(ast.Call(node.func, [arg.left], []))
        if isinstance(node, (ast.Name, ast.Call)) and not root:
            candidates.append(ast.UnaryOp(ast.USub(), node))
        for new in candidates:
            new = copy.deepcopy(new)
            edited = put(new)
            if shown is not None:               # parent is a BinOp: its operands are plain fields
                before = _src(parent)
                setattr(parent, fieldname, new)
                after = _src(parent)
                setattr(parent, fieldname, node)
                yield before, after, edited, ""
            else:
                yield old, _src(new), edited, ""


def _renamings(tree: ast.Expression, names: Sequence[str], functions: Sequence[str]) -> Iterator[tuple[str, str, ast.AST, str]]:
    """A quantity or function used several times, replaced everywhere (computed once, reused): every
    ``rowmax`` a ``colmax``."""
    used = [n.id for n in ast.walk(tree) if isinstance(n, ast.Name)]
    for name in sorted({u for u in used if used.count(u) > 1}):
        pool = names if name in names else functions if name in functions else ()
        for other in pool:
            if other == name:
                continue
            edited = copy.deepcopy(tree)
            for n in ast.walk(edited):
                if isinstance(n, ast.Name) and n.id == name:
                    n.id = other
            yield name, other, edited, " everywhere"


def _repeated(tree: ast.Expression, names: Sequence[str], functions: Sequence[str],
              params: Mapping[str, float] | None = None) -> Iterator[tuple[str, str, ast.AST, str]]:
    """A sub-expression written several times (computed once and reused, e = exp(z - m) in a numerator and a
    denominator), edited the same way everywhere it occurs: ``z - m`` -> ``z / m`` in both places."""
    texts = [_src(n) for n in ast.walk(tree.body) if isinstance(n, (ast.BinOp, ast.Call))]
    whole = _src(tree)
    for text in sorted({t for t in texts if texts.count(t) > 1}, key=len, reverse=True):
        for old, new, edited, _ in _edits(_parse(text), names, functions, params):
            if isinstance(edited, _Slot):
                continue                  # a quantity for a name everywhere: _renamings says it
            try:
                yield old, new, _parse(whole.replace(text, f"({_src(edited)})")), " everywhere"
            except SyntaxError:
                continue


_SLOT = "_slot_"


class _Slot:
    """An edit that puts one of the quantities of the vocabulary where a name was: evaluated from a tree
    compiled once with a slot (``code``), built as a tree only when it fits."""

    def __init__(self, code, text: str, build):
        self.code, self.text, self.build = code, text, build


def _compile(tree: ast.AST):
    return parsing.compile_tree(tree, "<formula>", "eval")


def _evaluate(tree: ast.AST | _Slot, env: Mapping[str, Any], slots: Mapping[str, Any] | None = None) -> np.ndarray | None:
    try:
        # an edit that overflows on the check's ordinary inputs (exp of a large number turned into 0 by a
        # division) is not what the student computed: only under/invalid/divide are let through
        with np.errstate(all="ignore", over="raise"):
            if isinstance(tree, _Slot):
                if slots is None or slots.get(tree.text) is None:
                    return None
                value = eval(tree.code, {"__builtins__": {}}, {**FUNCTIONS, **env, _SLOT: slots[tree.text]})
            else:
                value = eval(_compile(tree), {"__builtins__": {}}, {**FUNCTIONS, **env})
        return np.asarray(value, dtype=np.float64)
    except Exception:
        return None


def _fits(value: np.ndarray | None, got: np.ndarray, mask: np.ndarray, rtol: float, atol: float) -> bool:
    if value is None:
        return False
    try:
        value = np.broadcast_to(value, got.shape)
    except ValueError:
        return False
    v, g = value[mask], got[mask]
    if not bool(np.isfinite(v).all()):
        return False
    return bool((np.abs(v - g) <= atol + rtol * np.abs(v)).all())


def _tokens(text: str) -> list[str]:
    return sorted(re.findall(r"[A-Za-z_]\w*|\d+\.?\d*", text))


def _plainest(found: tuple, outer: Sequence[str] = ()) -> tuple:
    """The way of saying a mistake a student recognises first: not a change of an ``outer`` factor (grad_out:
    the chain rule's factor is rarely where the mistake is), the same terms arranged differently (parentheses,
    an exponent or a factor in another place), then no quantity or number that is not in the right term (a
    term dropped before one made up), then no invented minus sign, then the shortest."""
    wrong, old, new, _, _ = found
    identity = re.search(r"(^|[^\w.])1 \*|(\*|/|\*\*) 1(?![\w.])", new) is not None   # `1 * a`: a dropped term
    minus = len(re.findall(r"(?:^|[-+*/(,]\s*)-(?=[\w(])", new)) > len(re.findall(r"(?:^|[-+*/(,]\s*)-(?=[\w(])", old))
    invented = not set(_tokens(new)) <= set(_tokens(old))     # a term dropped is plainer than one made up
    return (old in outer, identity, _tokens(old) != _tokens(new), invented, minus, len(new) + len(old))


#: Constants a slip in a normalisation produces, by value (a factor sqrt(2), pi, pi ** 1.5 ...).
NAMED_FACTORS = {f"{a}{' * ' if a and b else ''}{b}" or "1": va * vb
                 for a, va in (("", 1.0), ("2", 2.0), ("1/2", 0.5), ("sqrt(2)", math.sqrt(2)), ("1/sqrt(2)", 1 / math.sqrt(2)))
                 for b, vb in (("", 1.0), ("pi", math.pi), ("1/pi", 1 / math.pi), ("sqrt(pi)", math.sqrt(math.pi)),
                               ("1/sqrt(pi)", 1 / math.sqrt(math.pi)), ("pi ** 1.5", math.pi ** 1.5),
                               ("pi ** -1.5", math.pi ** -1.5), ("pi ** 2", math.pi ** 2))}


def _factor_name(c: float) -> str:
    hit = [k for k, v in NAMED_FACTORS.items() if k != "1" and abs(c - v) <= 1e-6 * abs(v)]
    return f" (= {min(hit, key=len)})" if hit else ""


def _scaled_term(tree: ast.Expression, env: Mapping[str, Any], g: np.ndarray, m: np.ndarray, rtol: float,
                 atol: float, outer: Sequence[str]) -> tuple[str, str, float] | None:
    """One sub-term of the formula off by a constant factor c (fitted, not enumerated): the formula is affine in
    that term, c is read from the values and checked on every entry. The largest such term is said (in a product
    every factor fits equally); a factor of the whole formula is left to the difference analysis."""
    right = _evaluate(tree, env)
    best = None
    for node, parent, fieldname, index in _nodes(tree):
        if parent is tree or (isinstance(node, ast.Name) and node.id in outer) or isinstance(node, ast.Constant):
            continue
        values = []
        for c in (0.0, 2.0):
            scaled = ast.BinOp(ast.Constant(c), ast.Mult(), node)
            if index is None:
                setattr(parent, fieldname, scaled)
            else:
                getattr(parent, fieldname)[index] = scaled
            values.append(_evaluate(copy.deepcopy(tree), env))
            if index is None:
                setattr(parent, fieldname, node)
            else:
                getattr(parent, fieldname)[index] = node
        f0, f2 = values
        if f0 is None or f2 is None or right is None:
            continue
        f0, f2, f1 = (np.broadcast_to(v, g.shape) for v in (f0, f2, right))
        slope = f1 - f0
        if not np.allclose(f2 - f0, 2 * slope, rtol=1e-9, atol=1e-12) or not bool(np.any(np.abs(f0[m]) > atol)):
            continue                          # not affine in the term, or the term is the whole formula
        use = m & (np.abs(slope) > 1e-6 * max(1.0, float(np.abs(slope[m]).max())))
        if use.sum() < 3:
            continue
        c = float(np.median((g[use] - f0[use]) / slope[use]))
        if not np.isfinite(c) or abs(c - 1) < 1e-3 or abs(c) < 1e-3:
            continue
        if _fits(f0 + c * slope, g, m, rtol, atol):
            size = len(_src(node))
            if best is None or size > best[0]:
                best = (size, _src(node), c)
    return None if best is None else (best[1], _src(tree), best[2])


def explain_formula(formulas: str | Sequence[str], env: Mapping[str, Any], got: Any, *, rtol: float = 1e-6,
                    atol: float = 1e-9, mask: Any = None, what: str = "values", outer: Sequence[str] = (),
                    scaled: bool = False) -> str | None:
    """Which single edit of the documented formula reproduces ``got``, in a student's words, or None.

    ``formulas``: the formula (or equivalent ways of writing it, tried in order) as a Python expression over
    the names of ``env`` (arrays of the same shape as ``got``, numbers, or functions such as a row sum).
    ``mask``: the entries to judge (one branch of a piecewise function); ``what``: how the values are called;
    ``outer``: names of a factor of the whole formula (grad_out) whose edits are said only when nothing else
    says the mistake as well.
    ``scaled``: when no single edit fits, also try one term off by a fitted constant factor (``x * pdf``
    times pi ** 1.5), not a parameter of ``env`` or its inverse.
    """
    g = np.asarray(got, dtype=np.float64)
    m = np.ones(g.shape, dtype=bool) if mask is None else np.broadcast_to(np.asarray(mask, dtype=bool), g.shape)
    m = m & np.isfinite(g)
    if int(m.sum()) < 3:
        return None
    names = [k for k, v in env.items() if isinstance(v, np.ndarray) and v.shape == g.shape]
    functions = [k for k, v in env.items() if callable(v)] + [k for k, v in FUNCTIONS.items() if callable(v)]
    params = {k: float(v) for k, v in env.items()
              if isinstance(v, (int, float, np.floating)) and not isinstance(v, bool) and math.isfinite(float(v))}
    slots = {v: _evaluate(_parse(v), env) for v in _vocabulary(names)}
    for text in ([formulas] if isinstance(formulas, str) else list(formulas)):
        tree = _parse(text)
        right = _evaluate(tree, env)
        if right is None or _fits(right, g, m, rtol, atol):
            continue
        found: list[tuple[str, str, str, np.ndarray, str]] = []
        for old, new, edited, where in [*_edits(tree, names, functions, params), *_renamings(tree, names, functions),
                                         *_repeated(tree, names, functions, params)]:
            value = _evaluate(edited, env, slots)
            if _fits(value, g, m, rtol, atol) and not _fits(value, right, m, rtol, atol):
                edited = edited.build() if isinstance(edited, _Slot) else edited
                found.append((_src(edited), old, new, np.broadcast_to(value, g.shape), where))
        if not found:
            continue
        # edits giving the same values (as far as the data tell) are one mistake said in several ways;
        # unrelated ones make it a guess
        if any(not _fits(f[3], found[0][3], m, rtol, atol) for f in found[1:]):
            continue
        wrong, old, new, _, where = min(found, key=lambda f: _plainest(f, outer))
        return (f"your {what} fit `{wrong}` instead of `{text}`: the term `{old}` is wrong there "
                f"(your code computes `{new}` in its place{where}, or an expression equal to it)")
    # no single edit of any spelling: one term off by a constant factor (not a parameter of env or its
    # inverse: a parameter missing or extra is said by the checks that know the parameter)
    for text in ([formulas] if isinstance(formulas, str) else list(formulas)) if scaled else ():
        tree = _parse(text)
        right = _evaluate(tree, env)
        if right is None or _fits(right, g, m, rtol, atol):
            continue
        found_scaled = _scaled_term(tree, env, g, m, rtol, atol, outer)
        if found_scaled is None:
            continue
        term, whole, c = found_scaled
        if any(abs(c - v) <= 1e-6 * abs(v) or (v and abs(c - 1 / v) <= 1e-6 / abs(v)) for v in params.values()):
            return None
        return (f"your {what} fit `{whole}` with the term `{term}` multiplied by {c:.4g}{_factor_name(c)}: "
                f"that term is {'too large' if abs(c) > 1 else 'too small'} by a constant factor (a constant "
                f"in it is wrong: a normalisation, a 2, a sqrt or a pi written differently)")
    return None


# ----- appended in round 22 (lab05): rearranged numbers, a whole-formula factor, another rule's values -----

def _number_only(node: ast.AST, params: Mapping[str, float]) -> bool:
    """A sub-expression made of literals and scalar parameters only (``k - 1``, ``2``, ``k``): no quantity
    that varies over the entries and no function call."""
    if not isinstance(node, ast.expr) or any(isinstance(n, ast.Call) for n in ast.walk(node)):
        return False
    names = [n for n in ast.walk(node) if isinstance(n, ast.Name)]
    leaves = names + [n for n in ast.walk(node) if isinstance(n, ast.Constant)]
    return bool(leaves) and all(n.id in params for n in names) and \
        all(isinstance(n, (ast.Constant, ast.Name, ast.BinOp, ast.UnaryOp, ast.operator, ast.unaryop,
                           ast.expr_context)) for n in ast.walk(node))


def _swaps(tree: ast.Expression, params: Mapping[str, float]) -> Iterator[tuple[str, str, ast.Expression]]:
    """(first, second, tree with the two exchanged) for every pair of disjoint number-only sub-expressions
    that are written differently: ``(k - 1) * a ** k`` from ``k * a ** (k - 1)``, ``1 - k`` from ``k - 1``."""
    spots = [i for i, (node, _, _, _) in enumerate(_nodes(tree)) if _number_only(node, params)]
    original = _nodes(tree)
    for x, i in enumerate(spots):
        for j in spots[x + 1:]:
            p, q = original[i][0], original[j][0]
            if _src(p) == _src(q) or any(n is q for n in ast.walk(p)) or any(n is p for n in ast.walk(q)):
                continue
            edited = copy.deepcopy(tree)
            spots_copy = _nodes(edited)
            (np_, pp, pf, pi), (nq, qp, qf, qi) = spots_copy[i], spots_copy[j]
            for parent, fieldname, index, new in ((pp, pf, pi, nq), (qp, qf, qi, np_)):
                if index is None:
                    setattr(parent, fieldname, new)
                else:
                    getattr(parent, fieldname)[index] = new
            yield _src(p), _src(q), edited


def explain_swapped_numbers(formulas: str | Sequence[str], env: Mapping[str, Any], got: Any, *,
                            rtol: float = 1e-6, atol: float = 1e-9, mask: Any = None,
                            what: str = "values") -> str | None:
    """Two number-only parts of the formula exchanged (``(k - 1) * a ** k`` for ``k * a ** (k - 1)``, an
    exponent ``1 - k`` for ``k - 1``), which no single edit of :func:`explain_formula` reproduces: the swap
    whose values fit ``got`` (and the right formula's do not), in a student's words, or None.  Scalars of
    ``env`` count as numbers, so the answer can be written with the parameter's name (``k``)."""
    g = np.asarray(got, dtype=np.float64)
    m = np.ones(g.shape, dtype=bool) if mask is None else np.broadcast_to(np.asarray(mask, dtype=bool), g.shape)
    m = m & np.isfinite(g)
    if int(m.sum()) < 3:
        return None
    params = {k: float(v) for k, v in env.items()
              if isinstance(v, (int, float, np.floating)) and not isinstance(v, bool)}
    for text in ([formulas] if isinstance(formulas, str) else list(formulas)):
        tree = _parse(text)
        right = _evaluate(tree, env)
        if right is None or _fits(right, g, m, rtol, atol):
            continue
        found = []
        for first, second, edited in _swaps(tree, params):
            value = _evaluate(edited, env)
            if value is not None and _fits(value, g, m, rtol, atol) and not _fits(value, right, m, rtol, atol):
                found.append((first, second, _src(edited), np.broadcast_to(value, g.shape)))
        if not found or any(not _fits(f[3], found[0][3], m, rtol, atol) for f in found[1:]):
            continue
        first, second, wrong, _ = min(found, key=lambda f: len(f[2]))
        return (f"your {what} fit `{wrong}` instead of `{text}`: the numbers `{first}` and `{second}` are "
                f"swapped (each is written where the other belongs)")
    return None


#: Factors a whole formula is off by when a rule of a neighbouring function is used (a logarithm in another base).
LOG_FACTORS = {"1/ln(10), a base-10 logarithm's (log10) rule": 1 / math.log(10),
               "1/ln(2), a base-2 logarithm's (log2) rule": 1 / math.log(2),
               "ln(10), a log10 where the natural log belongs": math.log(10),
               "ln(2), a log2 where the natural log belongs": math.log(2)}


def explain_constant_factor(formula: str, env: Mapping[str, Any], got: Any, *, rtol: float = 1e-6,
                            atol: float = 1e-9, mask: Any = None, what: str = "values") -> str | None:
    """The whole formula times one constant c (fitted from the values, checked on every entry; c != 1, 0, -1),
    said with c and, when it is one, the constant's name (1/ln(10): a log10 rule; 2, 1/2, sqrt(2), pi...)."""
    g = np.asarray(got, dtype=np.float64)
    m = np.ones(g.shape, dtype=bool) if mask is None else np.broadcast_to(np.asarray(mask, dtype=bool), g.shape)
    m = m & np.isfinite(g)
    right = _evaluate(_parse(formula), env)
    if right is None or int(m.sum()) < 3:
        return None
    r = np.broadcast_to(right, g.shape)
    use = m & np.isfinite(r) & (np.abs(r) > 1e-9)
    if int(use.sum()) < 3 or _fits(r, g, m, rtol, atol):
        return None
    c = float(np.median(g[use] / r[use]))
    if not np.isfinite(c) or min(abs(c - 1), abs(c + 1), abs(c)) < 1e-3 or not _fits(c * r, g, m, rtol, atol):
        return None
    named = [k for k, v in LOG_FACTORS.items() if abs(c - v) <= 1e-6 * abs(v)]
    name = f" (= {named[0]})" if named else _factor_name(c)
    return (f"your {what} are `{formula}` times {c:.6g}{name} at every input: the rule is right up to a "
            f"constant factor, {'too large' if abs(c) > 1 else 'too small'}")


def matching_rule(rules: Mapping[str, str], formula: str, env: Mapping[str, Any], got: Any, *,
                  rtol: float = 1e-6, atol: float = 1e-9) -> tuple[str, str] | None:
    """(expression, description) of the first of ``rules`` (expression -> what it is, e.g. another function's
    derivative) whose values fit ``got`` everywhere while the right ``formula``'s do not, else None."""
    g = np.asarray(got, dtype=np.float64)
    m = np.isfinite(g)
    right = _evaluate(_parse(formula), env)
    if right is None or int(m.sum()) < 3 or _fits(right, g, m, rtol, atol):
        return None
    for text, words in rules.items():
        value = _evaluate(_parse(text), env)
        if _fits(value, g, m, rtol, atol) and not _fits(value, right, m, rtol, atol):
            return text, words
    return None
