"""The route table, compiled once: method + path template → operation, path parameters read by their segment.

Routes are tried in the document's order (as connexion's router tried them) but only among the templates with
the request's number of segments and its first segment, so a request looks at a handful, not at every path. An
integer or number path parameter matches only a segment of that type, so `/projects/trash` reaches a static
`trash` route listed after `/projects/{id}`. The path is split as sent: an encoded slash (`..%2F1`) stays
inside its parameter instead of making a path the document never described.
"""
from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import unquote

from contract import Operation

from .validation import types_of

T = TypeVar("T")
# no id is longer than Python converts to int without complaint (4300 digits): a longer one is an unknown id
_INTEGER = re.compile(rf"[+-]?[0-9]{{1,{sys.get_int_max_str_digits() or 100_000}}}")
_NUMBER = re.compile(r"[+-]?[0-9]*(\.[0-9]*)?")
_PARAM = re.compile(r"\{([^}]+)\}")
_PIECES = re.compile(r"(\{[^}]+\})")
_SEGMENT_PATTERNS = {"integer": "[+-]?[0-9]+", "number": r"[+-]?[0-9]*(?:\.[0-9]*)?"}


def _integer(text: str) -> Any:
    return int(text) if _INTEGER.fullmatch(text) else None


def _number(text: str) -> Any:
    if not text or not _NUMBER.fullmatch(text):
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _text(text: str) -> Any:
    return text if text else None


def converter(schema: Any) -> Callable[[str], Any]:
    kind = types_of(schema)[0]
    return _integer if kind == "integer" else _number if kind == "number" else _text


@dataclass
class Route(Generic[T]):
    op: Operation
    target: T
    statics: tuple[tuple[int, str], ...]  # (segment index, text) the path must have
    params: tuple[tuple[int, str, Callable[[str], Any]], ...]  # (segment index, name, converter)
    mixed: tuple[tuple[int, re.Pattern, tuple[tuple[str, Callable[[str], Any]], ...]], ...] = ()  # `{id}.zip`
    loose: dict[int, re.Pattern] = field(default_factory=dict)  # mixed segments, parameters taken as any text

    def match(self, segments: list[str]) -> dict[str, Any] | None:
        for index, text in self.statics:
            if segments[index] != text:
                return None
        values: dict[str, Any] = {}
        for index, name, convert in self.params:
            value = convert(segments[index])
            if value is None:
                return None
            values[name] = value
        for index, pattern, names in self.mixed:
            found = pattern.fullmatch(segments[index])
            if found is None:
                return None
            for position, (name, convert) in enumerate(names, 1):
                value = convert(found.group(position))
                if value is None:
                    return None
                values[name] = value
        return values


def split(path: str) -> list[str]:
    return [unquote(part) for part in path.split("/")]


class Router(Generic[T]):
    def __init__(self, base_path: str, routes: list[tuple[Operation, T]]):
        self.base = base_path
        self.buckets: dict[tuple[int, str | None], list[Route[T]]] = {}
        self.all: list[Route[T]] = []
        for op, target in routes:
            parts = op.path.split("/")
            schemas = {p.get("name"): p.get("schema") for p in op.spec.get("parameters", [])
                       if isinstance(p, dict) and p.get("in") == "path"}
            statics, params, mixed = [], [], []
            for index, part in enumerate(parts):
                names = _PARAM.findall(part)
                if part.startswith("{") and part.endswith("}") and len(names) == 1:
                    params.append((index, names[0].replace("-", "_"), converter(schemas.get(names[0]))))
                elif names:
                    pattern = re.compile("".join(
                        f"({_SEGMENT_PATTERNS.get(types_of(schemas.get(piece[1:-1]))[0], '.+?')})"
                        if _PARAM.fullmatch(piece) else re.escape(piece) for piece in _PIECES.split(part) if piece))
                    mixed.append((index, pattern, tuple((n.replace("-", "_"), converter(schemas.get(n)))
                                                        for n in names)))
                else:
                    statics.append((index, part))
            loose = {index: re.compile(_PIECES.sub(".+", re.escape(parts[index]).replace(r"\{", "{")
                                                   .replace(r"\}", "}"))) for index, _, _ in mixed}
            route = Route(op, target, tuple(statics), tuple(params), tuple(mixed), loose)
            self.all.append(route)
        for route in self.all:
            count = len(route.op.path.split("/"))
            first = next((text for index, text in route.statics if index == 1), None)
            self.buckets.setdefault((count, first), [])
        for key, bucket in self.buckets.items():
            count, first = key
            bucket.extend(r for r in self.all if len(r.op.path.split("/")) == count
                          and next((t for i, t in r.statics if i == 1), None) in (first, None))

    def relative(self, path: str) -> str | None:
        """The path below the base path, or None outside it."""
        if not path.startswith(self.base):
            return None
        rest = path[len(self.base):]
        if not rest:  # the base path itself is the document's `/`
            return "/"
        return rest if rest.startswith("/") else None

    def candidates(self, segments: list[str]) -> list[Route[T]]:
        count = len(segments)
        first = segments[1] if count > 1 else None
        return self.buckets.get((count, first)) or self.buckets.get((count, None)) or []

    def find(self, method: str, segments: list[str]) -> tuple[Route[T] | None, dict[str, Any], bool]:
        """(the route, its path values, whether another method's route matched the path)."""
        other = False
        for route in self.candidates(segments):
            values = route.match(segments)
            if values is None:
                continue
            if route.op.method == method or (method == "head" and route.op.method == "get"):
                return route, values, other
            other = True
        return None, {}, other

    def documented(self, segments: list[str]) -> list[Operation]:
        """The operations of the most specific documented template a path fits, parameters taken as any text
        (what the path looks like, whatever its parameters' types)."""
        found = [r for r in self.candidates(segments) if all(segments[i] == t for i, t in r.statics)
                 and all(r.loose[i].fullmatch(segments[i]) for i, _, _ in r.mixed)]
        if not found:
            return []

        def rank(route: Route[T]) -> tuple[bool, ...]:  # a static segment ranks before a parameter
            params = {index for index, _, _ in route.params} | {index for index, _, _ in route.mixed}
            return tuple(index in params for index in range(len(segments)))

        best = min(rank(r) for r in found)
        return [r.op for r in found if rank(r) == best]
