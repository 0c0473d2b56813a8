"""The OpenAPI 3.1 document as the engine sees it: loaded once, refs resolved, operations indexed."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._yaml import parse_yaml

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def load_yaml(path: str | Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        document: dict[str, Any] = parse_yaml(fh.read())
    return document


class RefResolver:
    """Inlines local `$ref`s. A ref met again inside itself is left as a ref, so recursive schemas terminate."""

    def __init__(self, doc: dict[str, Any]):
        self.doc = doc
        self._cache: dict[str, Any] = {}

    def lookup(self, ref: str) -> Any:
        if not ref.startswith("#/"):
            raise ValueError(f"only local $refs are supported: {ref}")
        node: Any = self.doc
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def resolve(self, node: Any, _stack: tuple[str, ...] = ()) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                if ref in _stack:
                    return node
                if ref in self._cache and len(node) == 1:
                    return self._cache[ref]
                target = self.resolve(self.lookup(ref), _stack + (ref,))
                if len(node) > 1:  # 3.1 allows siblings next to $ref: they refine the target
                    extra = {k: self.resolve(v, _stack) for k, v in node.items() if k != "$ref"}
                    return {"allOf": [target, extra]} if isinstance(target, dict) else target
                if not _stack:
                    self._cache[ref] = target
                return target
            return {k: self.resolve(v, _stack) for k, v in node.items()}
        if isinstance(node, list):
            return [self.resolve(v, _stack) for v in node]
        return node


def merge_all_of(schema: Any) -> Any:
    """Flatten `allOf` into one schema so generators and projections see every property at once."""
    if not isinstance(schema, dict) or "allOf" not in schema:
        return schema
    out = {k: v for k, v in schema.items() if k != "allOf"}
    for part in schema["allOf"]:
        part = merge_all_of(part)
        if not isinstance(part, dict):
            continue
        for k, v in part.items():
            if k == "properties":
                props = out.setdefault("properties", {})
                for name, sub in v.items():
                    props[name] = merge_all_of({"allOf": [props[name], sub]}) if name in props else sub
            elif k == "required":
                out["required"] = sorted(set(out.get("required", [])) | set(v))
            elif k not in out:
                out[k] = v
    return out


def example_of(media_obj: dict[str, Any], name: str | None = None) -> tuple[bool, Any]:
    examples = media_obj.get("examples") or {}
    if name is not None and name in examples and "value" in examples[name]:
        return True, examples[name]["value"]
    if "example" in media_obj:
        return True, media_obj["example"]
    for ex in examples.values():
        if isinstance(ex, dict) and "value" in ex:
            return True, ex["value"]
    return False, None


@dataclass
class Operation:
    operation_id: str
    method: str
    path: str
    raw: dict[str, Any]  # unresolved, as written
    spec: dict[str, Any]  # refs resolved
    path_params: list[str] = field(default_factory=list)

    def ext(self, key: str, default: Any = None) -> Any:
        return self.spec.get(key, default)

    @property
    def responses(self) -> dict[str, dict[str, Any]]:
        responses: dict[str, dict[str, Any]] = self.spec.get("responses", {})
        return responses

    def success_status(self) -> str:
        codes = sorted(c for c in self.responses if str(c).startswith("2"))
        with_body = [c for c in codes if self.responses[c].get("content")]
        return (with_body or codes or ["200"])[0]


class SpecDocument:
    def __init__(self, raw: dict[str, Any], source: Path | None = None):
        self.raw = raw
        self.source = source
        self.resolver = RefResolver(raw)
        self.operations: dict[str, Operation] = {}
        for path, item in (raw.get("paths") or {}).items():
            shared_params = item.get("parameters", [])
            for method, op in item.items():
                if method not in METHODS:
                    continue
                merged = dict(op)
                if shared_params:
                    merged["parameters"] = shared_params + op.get("parameters", [])
                resolved = self.resolver.resolve(merged)
                oid = op.get("operationId") or f"{method}_{path}"
                params = [p["name"] for p in resolved.get("parameters", []) if p.get("in") == "path"]
                self.operations[oid] = Operation(oid, method, path, op, resolved, params)

    @classmethod
    def from_file(cls, path: str | Path) -> SpecDocument:
        return cls(load_yaml(path), Path(path))

    @property
    def base_path(self) -> str:
        """The path of the last server whose host is local, else of the first server: where the mock mounts."""
        from urllib.parse import urlsplit

        servers = self.raw.get("servers") or [{"url": "/"}]
        chosen = servers[0]["url"]
        for s in servers:
            if urlsplit(s["url"]).hostname in ("127.0.0.1", "localhost"):
                chosen = s["url"]
        return str(urlsplit(chosen).path).rstrip("/")

    def schema(self, ref: str) -> dict[str, Any]:
        schema: dict[str, Any] = merge_all_of(self.resolver.resolve({"$ref": ref}))
        return schema

    def root_ext(self, key: str, default: Any = None) -> Any:
        return copy.deepcopy(self.raw.get(key, default))
