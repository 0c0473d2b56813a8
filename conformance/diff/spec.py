"""An indexed view of one resolved document: operations by (path shape, method)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from contract import NAMESPACE, DeclarationError, ExpressionError, OperationDecl, SpecDocument, read_all

from .load import Resolved, SpecLoadError
from .schema import Node, Normalizer

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_TEMPLATE = re.compile(r"\{[^}/]*\}")
# OpenAPI says these header parameters are ignored; they are governed elsewhere.
_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})


def path_shape(path: str) -> str:
    """`/reports/{id}` and `/reports/{report_id}` are the same endpoint to a client."""
    return _TEMPLATE.sub("{}", path)


@dataclass
class Parameter:
    name: str
    location: str  # query, header, path, cookie
    raw: dict[str, Any]

    @property
    def required(self) -> bool:
        return self.location == "path" or self.raw.get("required") is True

    @property
    def deprecated(self) -> bool:
        return self.raw.get("deprecated") is True

    @property
    def schema(self) -> Any:
        if "schema" in self.raw:
            return self.raw["schema"]
        content = self.raw.get("content")
        if isinstance(content, dict):
            for media in content.values():
                if isinstance(media, dict) and "schema" in media:
                    return media["schema"]
        return {}


@dataclass
class Operation:
    path: str
    method: str
    raw: dict[str, Any]
    params: dict[tuple[str, str], Parameter] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def deprecated(self) -> bool:
        return self.raw.get("deprecated") is True

    @property
    def stability(self) -> Any:
        """x-stability-level as written (None when absent); the rules judge its validity."""
        return self.raw.get("x-stability-level")

    @property
    def sunset(self) -> Any:
        """x-sunset as written: a date, an RFC 3339 timestamp, or None."""
        return self.raw.get("x-sunset")


class Spec:
    def __init__(self, resolved: Resolved) -> None:
        self.doc = resolved.doc
        self.warnings = resolved.warnings
        self.normalizer = Normalizer()
        self.operations: dict[tuple[str, str], Operation] = {}
        self.paths: dict[str, str] = {}  # path shape -> path as written
        paths = self.doc.get("paths")
        if isinstance(paths, dict):
            for path, item in paths.items():
                if isinstance(item, dict):
                    self._index_path(str(path), item)
        self.declarations = _declarations(self.doc, self.operations)

    def declaration(self, op: Operation) -> OperationDecl:
        """The operation's behaviour as contract/ reads it, defaults applied (none declared: all defaults)."""
        return self.declarations.get((path_shape(op.path), op.method), _NO_DECLARATION)

    def node(self, schema: Any) -> Node:
        return self.normalizer.node(schema)

    @property
    def security(self) -> Any:
        return self.doc.get("security")

    def _index_path(self, path: str, item: dict[str, Any]) -> None:
        shape = path_shape(path)
        self.paths[shape] = path
        declared = item.get("parameters")
        shared: list[Any] = declared if isinstance(declared, list) else []
        for method in METHODS:
            raw = item.get(method)
            if not isinstance(raw, dict):
                continue
            listed = raw.get("parameters")
            own: list[Any] = listed if isinstance(listed, list) else []
            merged: dict[tuple[str, str], Parameter] = {}
            for p in [*shared, *own]:  # operation-level parameters override path-level ones
                param = _parameter(p)
                if param is not None:
                    merged[(param.location, param.name.lower() if param.location == "header" else param.name)] = param
            self.operations[(shape, method)] = Operation(path, method, raw, _keyed(list(merged.values()), path))


def _parameter(raw: Any) -> Parameter | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        return None
    location = str(raw.get("in", "query"))
    if location == "header" and raw["name"].lower() in _IGNORED_HEADERS:
        return None
    return Parameter(raw["name"], location, raw)


def _keyed(params: list[Parameter], path: str) -> dict[tuple[str, str], Parameter]:
    """Parameters by the key a client's request sees.

    Path parameters are positional on the wire, so each is keyed by its slot in the template: renaming
    one is no change, even when only the template variable or only the parameter got the new name (a
    parameter no variable names takes the first slot no parameter names).
    """
    names = [m.group(0)[1:-1] for m in _TEMPLATE.finditer(path)]
    declared = {p.name for p in params if p.location == "path"}
    free = iter([i for i, name in enumerate(names) if name not in declared])
    out: dict[tuple[str, str], Parameter] = {}
    for param in params:
        if param.location == "path":
            slot = names.index(param.name) if param.name in names else next(free, None)
            key = ("path", f"#{slot}") if slot is not None else ("path", param.name)
        elif param.location == "header":
            key = ("header", param.name.lower())
        else:
            key = (param.location, param.name)
        out[key] = param
    return out


_NO_DECLARATION = OperationDecl()


def _declarations(
    doc: dict[str, Any], operations: dict[tuple[str, str], Operation]
) -> dict[tuple[str, str], OperationDecl]:
    """contract/ is the one reader of the x-mock- vocabulary; the differ compares what it read."""
    declaring = [op for op in operations.values() if any(key.startswith(NAMESPACE) for key in op.raw)]
    if not declaring:
        return {}
    # Only the declarations go to contract/: handed every operation's whole schema tree, it would resolve
    # (copy) all of it again, a third of a diff's time, to read a few keys.
    paths: dict[str, dict[str, Any]] = {}
    for op in declaring:
        paths.setdefault(op.path, {})[op.method] = {
            key: value for key, value in op.raw.items() if key == "operationId" or key.startswith(NAMESPACE)
        }
    try:
        read = SpecDocument({**doc, "paths": paths})
        _, decls = read_all(read)
    except (DeclarationError, ExpressionError) as exc:
        lines = [line.strip() for line in str(exc).splitlines()]
        problems = lines[1:] or lines  # DeclarationError lists one problem a line after a heading
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise SpecLoadError(f"invalid x-mock- declarations: {problems[0]}{more}") from None
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        # contract/ reads valid documents; a half-written one is refused here in one line, never a traceback.
        raise SpecLoadError(f"cannot read the x-mock- declarations: {type(exc).__name__}: {exc}") from None
    return {(path_shape(op.path), op.method): decls[oid] for oid, op in read.operations.items()}
