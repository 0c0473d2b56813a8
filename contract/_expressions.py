"""Credit formulas: a small, safe expression language over the request (`body`, `query`, `path`).

Python's own parser reads the expression; only the node types below are evaluated, so a spec cannot run
code. Missing attributes read as None, so `body.filter.limit` on a body without `filter` is not an error.
"""
from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from functools import lru_cache
from typing import Any


class ExpressionError(ValueError):
    pass


def _get(obj: Any, dotted: str, default: Any = None) -> Any:
    for part in dotted.split("."):
        if isinstance(obj, dict) and part in obj:
            obj = obj[part]
        else:
            return default
    return obj


def _len(value: Any) -> int:
    return len(value) if isinstance(value, (list, dict, str)) else 0


FUNCTIONS: dict[str, Callable[..., Any]] = {"len": _len, "min": min, "max": max, "get": _get, "int": int, "str": str}
_BIN = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.FloorDiv: operator.floordiv,
        ast.Div: operator.truediv, ast.Mod: operator.mod}
_CMP: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt,
    ast.GtE: operator.ge, ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b}
_NAMES = {"true": True, "false": False, "null": None, "True": True, "False": False, "None": None}


class Expression:
    def __init__(self, source: str | int):
        self.source = source
        if isinstance(source, int):
            self._tree = None
            return
        try:
            self._tree = ast.parse(str(source), mode="eval").body
        except SyntaxError as exc:
            raise ExpressionError(f"cannot parse {source!r}: {exc.msg}") from exc
        self._check(self._tree)

    @property
    def constant(self) -> int | None:
        return self.source if isinstance(self.source, int) else None

    def evaluate(self, env: dict[str, Any]) -> Any:
        if self._tree is None:
            return self.source
        return self._eval(self._tree, env)

    def _check(self, node: ast.AST) -> None:
        allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.USub, ast.Compare, ast.BoolOp, ast.And, ast.Or,
                   ast.Not, ast.IfExp, ast.Call, ast.Name, ast.Attribute, ast.Constant, ast.Load, ast.List,
                   ast.Tuple, *_BIN, *_CMP)
        for child in ast.walk(node):
            if not isinstance(child, allowed):
                raise ExpressionError(f"{type(child).__name__} is not allowed in {self.source!r}")
            if isinstance(child, ast.Call) and not (isinstance(child.func, ast.Name) and child.func.id in FUNCTIONS):
                raise ExpressionError(f"unknown function in {self.source!r}")

    def _eval(self, node: ast.AST, env: dict[str, Any]) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            if node.id in _NAMES:
                return _NAMES[node.id]
            return env.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self._eval(node.value, env)
            return base.get(node.attr) if isinstance(base, dict) else None
        if isinstance(node, ast.BinOp):
            return _BIN[type(node.op)](self._eval(node.left, env) or 0, self._eval(node.right, env) or 0)
        if isinstance(node, ast.UnaryOp):
            value = self._eval(node.operand, env)
            return (not value) if isinstance(node.op, ast.Not) else -(value or 0)
        if isinstance(node, ast.BoolOp):
            values = [self._eval(v, env) for v in node.values]
            return all(values) if isinstance(node.op, ast.And) else next((v for v in values if v), values[-1])
        if isinstance(node, ast.Compare):
            left = self._eval(node.left, env)
            for op, comp in zip(node.ops, node.comparators):
                right = self._eval(comp, env)
                try:
                    if not _CMP[type(op)](left, right):
                        return False
                except TypeError:
                    return False
                left = right
            return True
        if isinstance(node, ast.IfExp):
            return self._eval(node.body if self._eval(node.test, env) else node.orelse, env)
        if isinstance(node, ast.Call):
            args = [self._eval(a, env) for a in node.args]
            assert isinstance(node.func, ast.Name)  # _check admits calls of known names only
            return FUNCTIONS[node.func.id](*args)
        if isinstance(node, (ast.List, ast.Tuple)):
            return [self._eval(e, env) for e in node.elts]
        raise ExpressionError(f"cannot evaluate {ast.dump(node)}")


@lru_cache(maxsize=4096)
def compiled(source: str | int) -> Expression:
    """Value templates carry their expressions as text and run on every request; each is parsed once."""
    return Expression(source)
