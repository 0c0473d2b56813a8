"""Typed request parameters: query values arrive as strings, while declarations compare typed values
(`query.cache == false`). The mock and the suite coerce them the same way, from the same table."""
from __future__ import annotations

from typing import Any

from ._document import SpecDocument


class QueryTypes:
    """Each operation's query parameters and the JSON type their schema gives them."""

    def __init__(self, doc: SpecDocument):
        self.types: dict[str, dict[str, str]] = {}
        for oid, op in doc.operations.items():
            table = {}
            for p in op.spec.get("parameters", []):
                schema = p.get("schema") or {}
                kind = schema.get("type")
                if isinstance(kind, list):
                    kind = next((k for k in kind if k != "null"), "string")
                table[p["name"]] = kind or "string"
            self.types[oid] = table

    def query(self, oid: str, items: list[tuple[str, str]]) -> dict[str, Any]:
        table = self.types.get(oid, {})
        out: dict[str, Any] = {}
        for name, value in items:
            kind = table.get(name, "string")
            if kind == "array" or name.endswith("[]"):
                out.setdefault(name, []).append(value)
                continue
            out[name] = coerce(value, kind)
        return out


def coerce(value: str, kind: str) -> Any:
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
    except ValueError:
        return value
    if kind == "boolean":
        return {"true": True, "false": False, "1": True, "0": False}.get(value.lower(), value)
    return value
