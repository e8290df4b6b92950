"""Single edits of a student's function: the candidates for "the one change that fixes it".

Given the source of a student's function, :func:`single_edits` yields every copy of it that
differs in ONE place, the way real mistakes differ from right code: a library function for its
sibling (``np.log1p`` / ``np.log``, ``sum`` / ``mean``, ``max`` / ``maximum``), a reduction's
axis or ``keepdims``, an operator (``+`` / ``-``, ``*`` / ``/``, ``@`` / ``*``), the operands of a
``-``, ``/`` or ``@`` swapped, a term or factor dropped, a sign, a transpose, a constant (or the
argument a hard-coded constant stands for), one variable where another belongs (``x`` for
``out``), a comparison (``>`` / ``>=``), ``+=`` / ``=``, or a whole line too many.

The source is untrusted text: it is only parsed and unparsed here (never evaluated in this
process); the edited copies run in the student's kernel (``kernel/variants.py``).  Nothing here
knows a lab: the edits come from the syntax tree alone.
"""
from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

#: Library functions (``np.f`` or a method ``.f``) a student writes for one another.
SIBLINGS: dict[str, tuple[str, ...]] = {
    "log": ("log1p", "log2", "log10"), "log1p": ("log",), "log2": ("log",), "log10": ("log",),
    "exp": ("expm1", "exp2"), "expm1": ("exp",), "exp2": ("exp",),
    "sum": ("mean", "max"), "mean": ("sum", "median"), "median": ("mean",), "nansum": ("sum",),
    "max": ("maximum", "min", "sum", "mean", "argmax"), "min": ("max",), "argmax": ("argmin", "max"), "argmin": ("argmax",),
    "amax": ("amin",), "amin": ("amax",), "maximum": ("minimum", "max"), "minimum": ("maximum",),
    "tanh": ("sinh", "cosh", "arctanh"), "sinh": ("tanh",), "cosh": ("tanh",),
    "sqrt": ("square", "abs"), "square": ("sqrt", "abs"), "abs": ("square",),
    "dot": ("multiply", "outer"), "matmul": ("multiply",), "multiply": ("dot", "matmul"), "outer": ("dot",),
    "std": ("var",), "var": ("std",), "cumsum": ("sum",), "floor": ("ceil", "round"), "ceil": ("floor", "round"),
    "round": ("floor",), "zeros_like": ("ones_like",), "ones_like": ("zeros_like",),
    "zeros": ("ones",), "ones": ("zeros",), "argsort": ("sort",), "sort": ("argsort",),
}
#: Reductions that take ``axis`` and ``keepdims``.
REDUCTIONS = frozenset({"sum", "mean", "max", "min", "argmax", "argmin", "std", "var", "prod", "median",
                        "amax", "amin", "nansum", "nanmean", "all", "any", "logsumexp"})
#: Elementwise functions a student may apply once too often.
ELEMENTWISE = frozenset({"exp", "log", "log1p", "expm1", "tanh", "sqrt", "square", "abs", "sign", "exp2",
                         "log2", "log10", "negative", "reciprocal", "round", "around", "rint", "trunc", "floor",
                         "ceil", "clip", "maximum", "minimum"})
#: Constants of the field a student may have mistyped another one for (eps, betas, rates, slopes).
USUAL_CONSTANTS = (1e-8, 1e-7, 1e-5, 1e-3, 0.01, 0.1, 0.2, 0.9, 0.99, 0.999)
_BINOP_SWAPS: dict[type, tuple[type, ...]] = {
    # + and * swap too: a rule copied from its neighbour (__mul__ written from __add__, a product rule as a sum)
    # * for ** (beta * t for beta ** t) and % for // are one-key typos
    ast.Add: (ast.Sub, ast.Mult), ast.Sub: (ast.Add,), ast.Mult: (ast.Div, ast.MatMult, ast.Add, ast.Pow),
    ast.Div: (ast.Mult, ast.FloorDiv),
    ast.FloorDiv: (ast.Div,), ast.MatMult: (ast.Mult,), ast.Pow: (ast.Mult,), ast.Mod: (ast.FloorDiv, ast.Div)}
_COMPARE_SWAPS: dict[type, tuple[type, ...]] = {
    ast.Gt: (ast.GtE, ast.Lt), ast.GtE: (ast.Gt, ast.LtE), ast.Lt: (ast.LtE, ast.Gt), ast.LtE: (ast.Lt, ast.GtE),
    ast.Eq: (ast.NotEq,), ast.NotEq: (ast.Eq,)}
_SYMBOL = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.MatMult: "@",
           ast.Pow: "**", ast.Mod: "%", ast.Gt: ">", ast.GtE: ">=", ast.Lt: "<", ast.LtE: "<=", ast.Eq: "==",
           ast.NotEq: "!="}
#: A function longer than this (characters) gets at most LONG_LIMIT edits: the search stays under a second.
LONG_SOURCE, LONG_LIMIT = 1500, 300
#: Longest quoted piece of code (a long node is cut: its start says which one it is).
QUOTE = 70


@dataclass(frozen=True)
class Edit:
    """One edited copy of the function: where (the student's line), what changed, and its source."""
    kind: str        # "function", "everywhere", "axis", "operator", "operands", "dropped", "sign", "transpose",
    #                  "constant", "name", "compare", "assign", "line", "applied", "spelling", "regroup", "names",
    #                  "index"
    line: str        # the student's line the edit is in, as written
    old: str         # the piece of code replaced (short)
    new: str         # what replaces it
    source: str      # the whole edited function

    @property
    def phrase(self) -> str:
        """The change in a student's words: "`np.log1p` where `np.log` belongs"."""
        if self.kind == "line":
            return "this line should not be there"
        if self.kind == "everywhere":
            return f"`{self.old}` should be `{self.new}` (at every use)"
        if self.old == self.line:               # the whole statement changed (-= for +=)
            return f"it should read `{self.new}`"
        if self.kind == "dropped":              # old: the operand dropped, new: what it is (a term, a factor)
            return f"the {self.new} `{self.old}` should not be there"
        if self.kind == "applied":
            return f"`{self.old}` should be just `{self.new}`"
        return f"`{self.old}` should be `{self.new}`"


def quote(node: ast.AST | str) -> str:
    text = node if isinstance(node, str) else ast.unparse(node)
    text = " ".join(text.split())
    return text if len(text) <= QUOTE else text[:QUOTE - 3] + "..."


def parse_function(source: str) -> ast.FunctionDef | None:
    """The one ``def`` of ``source`` (decorators dropped: the copy is bound like the original), or None."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.FunctionDef):
        return None
    fn = tree.body[0]
    fn.decorator_list = []
    return fn


def single_edits(source: str, limit: int = 1000, settings: Iterable[str] = ()) -> Iterator[Edit]:
    """Every single edit of the function in ``source`` (at most ``limit``), most telling kinds first.
    ``settings``: numeric attributes of the method's object (a constant may stand for one).  A source
    too deep to unparse (a sum of a thousand terms) gets no edits."""
    try:
        yield from _single_edits(source, limit, settings)
    except (RecursionError, MemoryError):
        return


def _single_edits(source: str, limit: int, settings: Iterable[str]) -> Iterator[Edit]:
    fn = parse_function(source)
    if fn is None or any(isinstance(n, ast.While) for n in ast.walk(fn)):
        return                  # a while loop's end may hang on any value computed before it: no edits
    lines = source.splitlines()
    names = _local_names(fn)
    params = [a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs if a.arg != "self"]
    attrs = sorted({n.attr for n in ast.walk(fn) if isinstance(n, ast.Attribute)
                    and isinstance(n.value, ast.Name) and n.value.id == "self"} | set(settings))
    seen: set[str] = set()
    count = 0
    render = _Renderer(fn)
    if len(source) > LONG_SOURCE:      # each edit re-unparses a long statement: fewer edits, same order
        limit = min(limit, LONG_LIMIT)
    # the order a story prefers when several edits of one line fit (a line too many before a constant
    # that happens to neutralise it; a library function before a variable of the same value)
    for kind in ("function", "everywhere", "axis", "applied", "spelling", "line", "operator", "compare", "transpose",
                 "dropped", "constant", "name", "names", "assign", "operands", "regroup", "index", "sign"):
        if kind in ("everywhere", "names"):
            for edit in (_everywhere(fn, lines) if kind == "everywhere" else _names_in_one_expression(fn, lines, names)):
                if edit.source not in seen:
                    seen.add(edit.source)
                    yield edit
                    count += 1
            continue
        for holder, field, index, replacement, old, new in _candidates(fn, kind, names, params, attrs):
            original = _swap(holder, field, index, replacement)
            try:
                text = render(holder, field, index)
            except (ValueError, AttributeError, TypeError):
                text = ""
            finally:
                _swap(holder, field, index, original)
            if not text or text in seen:
                continue
            seen.add(text)
            node = original if isinstance(original, ast.AST) else holder
            yield Edit(kind, _line_of(node, lines), old, new, text)
            count += 1
            if count >= limit:
                return


def _everywhere(fn: ast.FunctionDef, lines: list[str]) -> Iterator[Edit]:
    """A library function used twice or more replaced by a sibling at every use: the same slip made on
    each term (``Y * np.log2(A) + (1 - Y) * np.log2(1 - A)``) is one mistake, which no single-place edit
    fixes."""
    uses: dict[str, list[ast.Attribute]] = {}
    for node in ast.walk(fn):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SIBLINGS:
            uses.setdefault(node.func.attr, []).append(node.func)
    for name, attributes in uses.items():
        if len(attributes) < 2:
            continue
        for other in SIBLINGS[name]:
            for a in attributes:
                a.attr = other
            try:
                text = ast.unparse(fn)
            finally:
                for a in attributes:
                    a.attr = name
            first = min(attributes, key=lambda a: (a.lineno, a.col_offset))
            yield Edit("everywhere", _line_of(first, lines), f"{quote(first.value)}.{name}",
                       f"{quote(first.value)}.{other}", text)


def _names_in_one_expression(fn: ast.FunctionDef, lines: list[str], names: list[str]) -> Iterator[Edit]:
    """A variable used twice or more in one statement replaced by another at each of those uses: ``m * m`` for
    ``g * g`` (the square of the wrong quantity), which no single-place edit fixes.  Told on the smallest
    expression holding every use."""
    frozen = _frozen(fn)
    for stmt in ast.walk(fn):
        if not isinstance(stmt, (ast.Assign, ast.AugAssign, ast.Return)) or stmt.value is None:
            continue
        loads: dict[str, list[ast.Name]] = {}
        for node in ast.walk(stmt.value):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in names \
                    and id(node) not in frozen:
                loads.setdefault(node.id, []).append(node)
        for name, uses in loads.items():
            if len(uses) < 2:
                continue
            holders = [e for e in ast.walk(stmt.value) if isinstance(e, ast.expr)
                       and all(any(u is n for n in ast.walk(e)) for u in uses)]
            smallest = min(holders, key=lambda e: sum(1 for _ in ast.walk(e)))
            before = quote(smallest)
            for other in names:
                if other == name:
                    continue
                for u in uses:
                    u.id = other
                try:
                    text, after = ast.unparse(fn), quote(smallest)
                finally:
                    for u in uses:
                        u.id = name
                yield Edit("names", _line_of(stmt, lines), before, after, text)


def _loop_variables(fn: ast.FunctionDef) -> dict[int, list[str]]:
    """For each node inside a for loop's body: the names of the loop variables of its enclosing loops."""
    inside: dict[int, list[str]] = {}
    for loop in ast.walk(fn):
        if isinstance(loop, ast.For) and isinstance(loop.target, ast.Name):
            for stmt in loop.body:
                for node in ast.walk(stmt):
                    inside.setdefault(id(node), []).append(loop.target.id)
    return inside


class _Renderer:
    """The function's source after an edit, re-unparsing only the top-level statement the edit is in
    (a thousand edits of a 60-line function would otherwise unparse it a thousand times)."""

    def __init__(self, fn: ast.FunctionDef):
        self.fn = fn
        self.owner: dict[int, int] = {}
        for i, stmt in enumerate(fn.body):
            self.owner.update((id(n), i) for n in ast.walk(stmt))
        self.header = self._header()
        self.texts = [self._statement(stmt) for stmt in fn.body]

    def __call__(self, holder: ast.AST, field: str, index: int | None) -> str:
        if holder is self.fn and field == "body" and index is not None:
            at = index
        else:
            at = self.owner.get(id(holder), -1)       # -1: the def line (a default value)
        header = self._header() if at < 0 else self.header
        texts = list(self.texts)
        if at >= 0:
            texts[at] = self._statement(self.fn.body[at])
        return header + "".join(texts)

    def _header(self) -> str:
        bare = ast.FunctionDef(self.fn.name, self.fn.args, [ast.Pass()], [], self.fn.returns, None)
        ast.fix_missing_locations(bare)
        return ast.unparse(bare).rsplit("\n", 1)[0] + "\n"

    @staticmethod
    def _statement(stmt: ast.stmt) -> str:
        return "".join("    " + line + "\n" for line in ast.unparse(stmt).splitlines())


def identity(source: str) -> str | None:
    """The function as the edits write it (unparsed), to check that a re-run gives the student's values."""
    fn = parse_function(source)
    try:
        return ast.unparse(fn) if fn is not None else None
    except (RecursionError, MemoryError):
        return None


# ---------------------------------------------------------------------- where edits may go
def _local_names(fn: ast.FunctionDef) -> list[str]:
    """The function's parameters and the variables it assigns (not globals such as np)."""
    names = [a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs]
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.append(node.id)
    return [n for n in dict.fromkeys(names) if n != "self"]


def _frozen(fn: ast.FunctionDef) -> set[int]:
    """Nodes no edit may touch: for loops' bounds and the arguments of range() (an edit there could run for
    ever), the targets of assignments and the docstring."""
    out: set[int] = set()
    for node in ast.walk(fn):
        parts: list[ast.AST] = []
        if isinstance(node, ast.For):
            parts = [node.iter, node.target]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("range", "len"):
            parts = [node]
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            parts = list(node.targets) if isinstance(node, ast.Assign) else [node.target]
        elif isinstance(node, ast.comprehension):
            parts = [node.iter, node.target]
        for part in parts:
            out.update(id(n) for n in ast.walk(part))
    body = fn.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
        out.update(id(n) for n in ast.walk(body[0]))
    out.update(id(n) for a in fn.args.args + fn.args.posonlyargs + fn.args.kwonlyargs for n in ast.walk(a))
    return out


def _slots(fn: ast.FunctionDef) -> Iterator[tuple[ast.AST, str, int | None, ast.expr]]:
    """(parent, field, index, node) for every expression node of the body that may be edited."""
    frozen = _frozen(fn)
    for parent in ast.walk(fn):
        for field, value in ast.iter_fields(parent):
            items = [(None, value)] if isinstance(value, ast.expr) else \
                list(enumerate(value)) if isinstance(value, list) else []
            for index, node in items:
                if isinstance(node, ast.expr) and id(node) not in frozen:
                    yield parent, field, index, node


def _swap(holder: ast.AST, field: str, index: int | None, new: object) -> object:
    """Put ``new`` at ``holder.field[index]``; return what was there."""
    if index is None:
        old = getattr(holder, field)
        setattr(holder, field, new)
        return old
    items = getattr(holder, field)
    old = items[index]
    items[index] = new
    return old


def _line_of(node: object, lines: list[str]) -> str:
    """The student's line holding ``node``, without its comment."""
    lineno = getattr(node, "lineno", None)
    if not isinstance(lineno, int) or not 1 <= lineno <= len(lines):
        return ""
    return quote(_uncommented(lines[lineno - 1]).strip())


def _uncommented(line: str) -> str:
    try:
        for token in tokenize.generate_tokens(io.StringIO(line).readline):
            if token.type == tokenize.COMMENT:
                return line[:token.start[1]]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass                                    # a line continued on the next: keep it whole
    return line


def _called(node: ast.expr) -> str | None:
    """'log' for np.log(...), x.sum(...), numpy.log(...); None for other calls."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _copy_with(node: ast.AST, **changes: object) -> ast.AST:
    new = type(node)(**{f: getattr(node, f) for f in node._fields})
    for k, v in changes.items():
        setattr(new, k, v)
    return ast.copy_location(new, node)


Candidate = tuple[ast.AST, str, "int | None", object, str, str]


def _candidates(fn: ast.FunctionDef, kind: str, names: list[str], params: list[str],
                attrs: list[str]) -> Iterator[Candidate]:
    """(holder, field, index, replacement, old text, new text) for every edit of ``kind``."""
    if kind == "line":
        yield from _line_deletions(fn)
        return
    if kind == "assign":
        yield from _assign_edits(fn)
        return
    if kind == "index":
        yield from _index_edits(fn, names)
        return
    sizes = _sizes(fn) if kind == "sign" else set()
    for parent, field, index, node in list(_slots(fn)):
        if id(node) not in sizes:
            yield from _node_edits(kind, parent, field, index, node, names, params, attrs)


#: Calls whose arguments are sizes: a minus sign there makes NumPy infer the size (`reshape(C, -KH * KW)` is
#: `reshape(C, -1)`), which "fixes" a wrong size without saying which one is wrong.
SIZED = frozenset({"reshape", "zeros", "ones", "empty", "full", "eye", "resize", "broadcast_to", "tile", "repeat"})


def _sizes(fn: ast.FunctionDef) -> set[int]:
    """The nodes inside the size arguments of a SIZED call (every argument of ``x.reshape(...)``, all but the
    array of ``np.reshape(x, ...)`` and ``np.broadcast_to(x, ...)``)."""
    out: set[int] = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Call) and _called(node) in SIZED:
            args = list(node.args) + [k.value for k in node.keywords]
            assert isinstance(node.func, ast.Attribute)
            if isinstance(node.func.value, ast.Name) and node.func.value.id in ("np", "numpy") \
                    and _called(node) in ("reshape", "broadcast_to", "resize", "tile", "repeat"):
                args = args[1:]
            out.update(id(n) for a in args for n in ast.walk(a))
    return out


def _index_edits(fn: ast.FunctionDef, names: list[str]) -> Iterator[Candidate]:
    """Inside a loop: a whole array where its entry for the loop variable belongs (``w`` for ``w[o]``), or the
    other way round (``x[i]`` for ``x``)."""
    loops = _loop_variables(fn)
    for parent, field, index, node in list(_slots(fn)):
        variables = loops.get(id(node), [])
        if not variables:
            continue
        here = (parent, field, index)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in names \
                and node.id not in variables and not (isinstance(parent, ast.Subscript) and field == "value"):
            for v in variables:
                new = ast.Subscript(ast.Name(node.id, ast.Load()), ast.Name(v, ast.Load()), ast.Load())
                yield (*here, new, quote(node), quote(new))
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) \
                and isinstance(node.slice, ast.Name) and node.slice.id in variables:
            yield (*here, node.value, quote(node), quote(node.value))


def _node_edits(kind: str, parent: ast.AST, field: str, index: int | None, node: ast.expr,
                names: list[str], params: list[str], attrs: list[str]) -> Iterator[Candidate]:
    here = (parent, field, index)
    called = _called(node)
    if kind == "function" and called in SIBLINGS and isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Attribute)
        for other in SIBLINGS[called]:
            func = _copy_with(node.func, attr=other)
            yield (*here, _copy_with(node, func=func), quote(node.func), quote(func))
    elif kind == "axis" and isinstance(node, ast.Call) and called in REDUCTIONS:
        yield from _axis_edits(here, node)
    elif kind == "operator" and isinstance(node, ast.BinOp) and type(node.op) in _BINOP_SWAPS:
        for op in _BINOP_SWAPS[type(node.op)]:
            new = _copy_with(node, op=op())
            yield (*here, new, quote(node), quote(new))
    elif kind == "operator" and isinstance(node, ast.Call) and called in ("dot", "matmul") and len(node.args) == 2:
        new = ast.BinOp(node.args[0], ast.Mult(), node.args[1])
        yield (*here, new, quote(node), quote(new))
    elif kind == "compare" and isinstance(node, ast.Compare) and len(node.ops) == 1 \
            and type(node.ops[0]) in _COMPARE_SWAPS:
        for op in _COMPARE_SWAPS[type(node.ops[0])]:
            new = _copy_with(node, ops=[op()])
            yield (*here, new, quote(node), quote(new))
    elif kind == "transpose":
        if isinstance(node, ast.Attribute) and node.attr == "T":
            yield (*here, node.value, quote(node), quote(node.value))
        elif (isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.MatMult)
              or isinstance(parent, ast.Call) and field == "args" and _called(parent) in ("dot", "matmul")) \
                and isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)):
            new = ast.Attribute(node, "T", ast.Load())
            yield (*here, new, quote(node), quote(new))
    elif kind == "name":
        yield from _name_edits(here, node, names, attrs)
    elif kind == "spelling" and isinstance(node, ast.Constant) and type(node.value) is str \
            and 0 < len(node.value) <= 40 and not isinstance(parent, ast.Expr):
        # a choice spelled otherwise than documented ('Tanh' for 'tanh', 'relu ' for 'relu')
        for text in dict.fromkeys((node.value.lower(), node.value.strip(), node.value.capitalize())):
            if text != node.value:
                yield (*here, ast.Constant(text), repr(node.value), repr(text))
    elif kind == "constant" and isinstance(node, ast.Constant) and type(node.value) in (int, float):
        yield from _constant_edits(here, node, params, attrs)
    elif kind == "operands" and isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Sub, ast.Div, ast.MatMult)):
        new = _copy_with(node, left=node.right, right=node.left)
        yield (*here, new, quote(node), quote(new))
    elif kind == "operands" and isinstance(node, ast.Call) and not any(isinstance(a, ast.Starred) for a in node.args):
        # two arguments in the wrong order: f(b, a) for f(a, b); np.where(c, b, a) for np.where(c, a, b)
        first = 1 if called == "where" and len(node.args) == 3 else 0
        if len(node.args) == first + 2:
            args = list(node.args)
            args[first], args[first + 1] = args[first + 1], args[first]
            new = _copy_with(node, args=args)
            yield (*here, new, quote(node), quote(new))
    elif kind == "regroup" and isinstance(node, ast.BinOp) and type(node.op) in _SYMBOL:
        # brackets around the wrong pair: (a * b) ** -1 for a * b ** -1, a / b * c for a / (b * c)
        left, right = node.left, node.right
        if isinstance(left, ast.BinOp) and type(left.op) in _SYMBOL:
            new = ast.BinOp(left.left, left.op, ast.BinOp(left.right, node.op, right))
            yield (*here, new, quote(node), quote(new))
        if isinstance(right, ast.BinOp) and type(right.op) in _SYMBOL:
            new = ast.BinOp(ast.BinOp(left, node.op, right.left), right.op, right.right)
            yield (*here, new, quote(node), quote(new))
    elif kind == "sign":
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            yield (*here, node.operand, quote(node), quote(node.operand))
        elif isinstance(node, (ast.Name, ast.Call, ast.Attribute, ast.Subscript)) and not _held(parent, field):
            new = ast.UnaryOp(ast.USub(), node)
            yield (*here, new, quote(node), quote(new))
    elif kind == "applied" and isinstance(node, ast.Call) and called in ELEMENTWISE and node.args \
            and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) \
            and node.func.value.id in ("np", "numpy"):
        yield (*here, node.args[0], quote(node), quote(node.args[0]))
    elif kind == "applied" and isinstance(node, ast.Call) and called in ("round", "clip", "astype") \
            and isinstance(node.func, ast.Attribute):
        yield (*here, node.func.value, quote(node), quote(node.func.value))   # x.round(1), x.clip(-5, 5)
    elif kind == "dropped" and isinstance(node, ast.BinOp) and type(node.op) in _BINOP_SWAPS:
        what = {ast.Add: "term", ast.Sub: "term", ast.Mult: "factor", ast.MatMult: "factor"}
        for kept, dropped in ((node.left, node.right), (node.right, node.left)):
            word = what.get(type(node.op)) or ("divisor" if dropped is node.right else "dividend")
            yield (*here, kept, quote(dropped), word)
    elif kind == "dropped" and (isinstance(node, ast.BinOp) and isinstance(node.op, (ast.BitAnd, ast.BitOr))
                                or isinstance(node, ast.BoolOp) and len(node.values) == 2):
        # a mask or test combined with one too many: `first & (dout > 0)` (a ReLU habit in a routing backward)
        # is told as that condition, not as a variable swapped for one that makes it always true
        pair = (node.left, node.right) if isinstance(node, ast.BinOp) else tuple(node.values)
        for kept, dropped in ((pair[0], pair[1]), (pair[1], pair[0])):
            yield (*here, kept, quote(dropped), "condition")


def _axis_edits(here: tuple, node: ast.Call) -> Iterator[Candidate]:
    """Every other (axis, keepdims) of a reduction: the axis changed, added or removed, keepdims toggled."""
    assert isinstance(node.func, ast.Attribute)
    library = isinstance(node.func.value, ast.Name) and node.func.value.id in ("np", "numpy")
    at = 1 if library else 0             # np.sum(x, 0) / x.sum(0): a positional axis
    args = list(node.args)
    axis: object = "absent"
    if len(args) > at and isinstance(args[at], (ast.Constant, ast.Tuple)):
        axis, args = ast.unparse(args[at]), args[:at]
    others = []
    keepdims = False
    for k in node.keywords:
        if k.arg == "axis":
            axis = ast.unparse(k.value)
        elif k.arg == "keepdims":
            keepdims = isinstance(k.value, ast.Constant) and k.value.value is True
        else:
            others.append(k)
    for value in ("absent", "0", "1", "-1", "(0, 1)"):
        for keep in (False, True):
            if (value, keep) == (axis, keepdims):
                continue
            words = [ast.keyword("axis", ast.parse(value, mode="eval").body)] if value != "absent" else []
            if keep:
                words.append(ast.keyword("keepdims", ast.Constant(True)))
            new = _copy_with(node, args=args, keywords=others + words)
            yield (*here, new, quote(node), quote(new))


def _held(parent: ast.AST, field: str) -> bool:
    """True where a minus sign cannot go: the object of an attribute or a subscript, a called name."""
    return isinstance(parent, (ast.Attribute, ast.keyword)) or \
        isinstance(parent, ast.Call) and field == "func" or isinstance(parent, ast.Subscript) and field == "value"


def _name_edits(here: tuple, node: ast.expr, names: list[str], attrs: list[str]) -> Iterator[Candidate]:
    parent, field = here[0], here[1]
    if isinstance(parent, (ast.IfExp, ast.If)) and field == "test" or isinstance(parent, (ast.BoolOp, ast.UnaryOp)):
        return            # any truthy name flips a condition: "training should be momentum" would be a fluke
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in names:
        for other in names:
            if other != node.id:
                yield (*here, ast.Name(other, ast.Load()), node.id, other)
    elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self" \
            and isinstance(node.ctx, ast.Load):
        for other in attrs:
            if other != node.attr:
                new = ast.Attribute(ast.Name("self", ast.Load()), other, ast.Load())
                yield (*here, new, quote(node), quote(new))


def _constant_edits(here: tuple, node: ast.Constant, params: list[str], attrs: list[str]) -> Iterator[Candidate]:
    c = float(node.value) if type(node.value) is float else int(node.value)   # type: ignore[arg-type]
    # only values a student would have meant (0, 1, 2, a half, the sign, the reciprocal, the usual
    # constants): a constant merely scaled (1.0 -> 10.0) fits bounded test inputs by accident
    values: list[float] = [0, 1, 2, 0.5, -c]
    if type(c) is float:
        values += USUAL_CONSTANTS
    if c:
        values.append(1 / c)
    if type(c) is int:
        values += [c - 1, c + 1]
    shown: set[str] = set()
    for v in values:
        v = int(v) if type(c) is int and float(v).is_integer() else v
        text = repr(v)
        if v == c or text in shown:
            continue
        shown.add(text)
        new = ast.Constant(v) if v >= 0 else ast.UnaryOp(ast.USub(), ast.Constant(-v))
        yield (*here, new, repr(c), text)
    if isinstance(here[0], ast.Call) and _called(here[0]) == "clip":     # a bound that should not be there
        yield (*here, ast.Constant(None), repr(c), "None")
    for p in params:            # a hard-coded constant where the argument belongs
        yield (*here, ast.Name(p, ast.Load()), repr(c), p)
    for a in attrs:             # ... or the object's setting (self.weight_decay)
        yield (*here, ast.Attribute(ast.Name("self", ast.Load()), a, ast.Load()), repr(c), f"self.{a}")


def _line_deletions(fn: ast.FunctionDef) -> Iterator[Candidate]:
    """Each simple statement removed (a line too many: an extra centring, a second scaling)."""
    for parent in ast.walk(fn):
        for field in ("body", "orelse"):
            body = getattr(parent, field, None)
            if not isinstance(body, list) or len(body) < 2:
                continue
            for i, stmt in enumerate(body):
                if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.Expr)) and not (
                        isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)) \
                        or isinstance(stmt, ast.Return) and i < len(body) - 1:     # an early return
                    yield parent, field, i, ast.Pass(), quote(stmt), "(nothing)"


def _assign_edits(fn: ast.FunctionDef) -> Iterator[Candidate]:
    """``+=`` for ``=`` and back, and ``-=`` / ``+=`` swapped."""
    for parent in ast.walk(fn):
        for field in ("body", "orelse"):
            body = getattr(parent, field, None)
            if not isinstance(body, list):
                continue
            for i, stmt in enumerate(body):
                if isinstance(stmt, ast.AugAssign):
                    for op in _BINOP_SWAPS.get(type(stmt.op), ())[:1]:     # -= for += first: the likelier slip
                        other = _copy_with(stmt, op=op())
                        yield parent, field, i, other, quote(stmt), quote(other)
                    plain = ast.copy_location(ast.Assign([stmt.target], stmt.value), stmt)
                    yield parent, field, i, plain, quote(stmt), quote(plain)
                elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
                        and isinstance(stmt.targets[0], (ast.Name, ast.Attribute, ast.Subscript)):
                    added = ast.copy_location(ast.AugAssign(stmt.targets[0], ast.Add(), stmt.value), stmt)
                    yield parent, field, i, added, quote(stmt), quote(added)

