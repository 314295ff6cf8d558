"""Outcome expressions: a safe little language over a replication's metrics.

An outcome in a sweep file is a metric name (``p_lead``) or an expression
over metric names, such as ``p_lead_independent - p_lead_phd > 0`` or
``util_grantmaker_time >= 0.9``. Expressions are parsed with
:mod:`ast` and only these are allowed: metric names, numbers, quoted text,
``+ - * /``, comparisons, ``and``/``or``/``not`` and ``abs``/``min``/``max``.
Nothing is ever passed to ``eval``. A comparison gives 1.0 or 0.0, and NaN
where an input is missing, so yes/no outcomes average to shares.
"""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

__all__ = ["parse_expression", "evaluate_expression", "EXPR_HELP"]

_BINOPS = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide}
_CMPOPS = {
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
}
_FUNCS = {"abs": np.abs, "min": np.minimum, "max": np.maximum}
EXPR_HELP = "a metric name such as p_lead, or an expression such as 'p_lead_independent - p_lead_phd > 0'"


def _plain_name(node: ast.AST) -> str:
    """What a part of an expression is, in words a user knows (not Python's node names)."""
    if isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name in _FUNCS:
            return f"{name}() with {len(node.args)} argument(s){' and keywords' if node.keywords else ''} (it takes one or two, without keywords)"
        return f"a call of {name}()" if name else "a call"
    if isinstance(node, ast.BinOp):
        return f"the operator {_OPERATORS.get(type(node.op), type(node.op).__name__.lower())}"
    if isinstance(node, ast.Attribute):
        return f"an attribute ('.{node.attr}')"
    if isinstance(node, ast.Subscript):
        return "indexing ('[...]')"
    if isinstance(node, ast.Constant):
        return f"the value {node.value!r}"
    return {ast.Lambda: "a lambda", ast.IfExp: "'if ... else'", ast.Tuple: "a tuple", ast.List: "a list"}.get(
        type(node), "a construction"
    )


_OPERATORS = {ast.Pow: "**", ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>"}
_OPERATORS.update({ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^"})


def parse_expression(text: str) -> tuple[str, ...]:
    """Check an outcome expression and return the metric names it reads.

    Allowed: metric names, numbers, quoted text (to compare with
    ``binding_constraint``), ``+ - * /``, comparisons, ``and``/``or``/``not``
    and ``abs``/``min``/``max``. Raises ValueError otherwise.
    """
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"cannot read {text!r} as an expression ({exc.msg}; expected {EXPR_HELP})") from None
    names: list[str] = []

    def check(node: ast.AST) -> None:
        if isinstance(node, ast.Expression):
            check(node.body)
        elif isinstance(node, ast.Name):
            if node.id not in names:
                names.append(node.id)
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, (int, float, str))
            and not isinstance(node.value, bool)
        ):
            pass
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            check(node.left)
            check(node.right)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd, ast.Not)):
            check(node.operand)
        elif isinstance(node, ast.Compare) and all(type(op) in _CMPOPS for op in node.ops):
            check(node.left)
            for c in node.comparators:
                check(c)
        elif isinstance(node, ast.BoolOp):
            for v in node.values:
                check(v)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in _FUNCS
            and not node.keywords
            and 1 <= len(node.args) <= 2
        ):
            for a in node.args:
                check(a)
        else:
            what = _plain_name(node)
            raise ValueError(
                f"{text!r} uses {what}, which outcome expressions do not allow (expected {EXPR_HELP}; "
                "they may use metric names, numbers, + - * /, comparisons, and, or, not, abs, min and max)"
            )

    check(tree)
    return tuple(names)


def evaluate_expression(text: str, table: Any) -> np.ndarray:
    """Evaluate an outcome expression on the columns of a table (a DataFrame or a dict).

    Comparisons give 1.0 or 0.0, and NaN where an input is NaN.
    """
    tree = ast.parse(text.strip(), mode="eval")
    n = len(table)

    def col(name: str) -> np.ndarray:
        if name not in table:
            return np.full(n, np.nan)
        values = np.asarray(table[name])
        if values.dtype.kind in "OUT":
            return np.asarray(values, dtype=object)
        return values.astype(float)

    def missing(a: np.ndarray) -> np.ndarray:
        if a.dtype == object:
            return np.array([v is None or (isinstance(v, float) and v != v) for v in a], dtype=bool)
        return np.isnan(a)

    def ev(node: ast.AST) -> np.ndarray:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Name):
            return col(node.id)
        if isinstance(node, ast.Constant):
            return np.full(n, node.value, dtype=object if isinstance(node.value, str) else float)
        if isinstance(node, ast.BinOp):
            with np.errstate(divide="ignore", invalid="ignore"):
                return _BINOPS[type(node.op)](ev(node.left).astype(float), ev(node.right).astype(float))
        if isinstance(node, ast.UnaryOp):
            v = ev(node.operand).astype(float)
            if isinstance(node.op, ast.Not):
                return np.where(np.isnan(v), np.nan, (v == 0).astype(float))
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.Compare):
            left = ev(node.left)
            result = np.ones(n)
            bad = np.zeros(n, dtype=bool)
            for op, comp in zip(node.ops, node.comparators):
                right = ev(comp)
                bad |= missing(left) | missing(right)
                if left.dtype == object or right.dtype == object:
                    res = np.array(
                        [
                            _CMPOPS[type(op)](a, b) if not (m1 or m2) else False
                            for a, b, m1, m2 in zip(left, right, missing(left), missing(right))
                        ],
                        dtype=bool,
                    )
                else:
                    res = _CMPOPS[type(op)](left, right)
                result = result * res
                left = right
            return np.where(bad, np.nan, result.astype(float))
        if isinstance(node, ast.BoolOp):
            vals = [ev(v).astype(float) for v in node.values]
            bad = np.zeros(n, dtype=bool)
            for v in vals:
                bad |= np.isnan(v)
            truth = [np.nan_to_num(v) != 0 for v in vals]
            out = np.logical_and.reduce(truth) if isinstance(node.op, ast.And) else np.logical_or.reduce(truth)
            return np.where(bad, np.nan, out.astype(float))
        if isinstance(node, ast.Call):
            args = [ev(a).astype(float) for a in node.args]
            fn = _FUNCS[node.func.id]  # type: ignore[attr-defined]
            if node.func.id in ("min", "max") and len(args) == 1:  # type: ignore[attr-defined]
                return args[0]
            return fn(*args)
        raise ValueError(f"unsupported expression {text!r}")  # pragma: no cover - parse_expression checks

    return np.asarray(ev(tree), dtype=float)
