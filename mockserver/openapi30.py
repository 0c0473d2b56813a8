"""A derived OpenAPI 3.0 view of a 3.1 document, built in memory for connexion.

connexion 3.3 validates documents against the 3.0 meta-schema and request data with a Draft 4 validator, so it
rejects `openapi: 3.1.x`. The contract stays 3.1 on disk and on the wire (`GET /openapi.yaml` serves the
original); this view exists only for routing, security and request validation. Each rewrite below keeps the
constraint it expresses, and `UNSUPPORTED` names what 3.0 cannot say, so the loss is visible, not silent.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

# 3.1 keywords that only annotate (or that 3.0 cannot express) and are dropped from the view.
UNSUPPORTED = ("$schema", "$id", "$comment", "contentMediaType", "contentEncoding", "unevaluatedProperties",
               "dependentRequired", "dependentSchemas", "prefixItems", "$defs", "if", "then", "else",
               "propertyNames", "contains", "minContains", "maxContains")

_SCHEMA_CHILDREN = ("items", "not", "additionalProperties")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")


def convert_schema(schema: Any) -> Any:
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in UNSUPPORTED:
            continue
        if key == "properties":
            out[key] = {name: convert_schema(sub) for name, sub in value.items()}
        elif key in _SCHEMA_CHILDREN:
            out[key] = convert_schema(value) if isinstance(value, dict) else value
        elif key in _SCHEMA_LISTS:
            out[key] = [convert_schema(sub) for sub in value]
        elif key == "examples" and isinstance(value, list):
            if value:
                out["example"] = value[0]
        elif key == "const":
            out["enum"] = [value]
        elif key in ("exclusiveMinimum", "exclusiveMaximum") and not isinstance(value, bool):
            out["minimum" if key == "exclusiveMinimum" else "maximum"] = value
            out[key] = True
        else:
            out[key] = value
    types = out.get("type")
    if isinstance(types, list):
        non_null = [t for t in types if t != "null"]
        if len(non_null) < len(types):
            out["nullable"] = True
            if "enum" in out and None not in out["enum"]:
                out["enum"] = out["enum"] + [None]
        if len(non_null) == 1:
            out["type"] = non_null[0]
        else:
            del out["type"]
            if non_null:
                out["anyOf"] = [{"type": t} for t in non_null]
    elif types == "null":
        out.pop("type")
        out["nullable"] = True
        out["enum"] = [None]
    if "$ref" in out and len(out) > 1:  # 3.0 ignores $ref siblings; keep both through allOf
        ref = out.pop("$ref")
        out = {"allOf": [{"$ref": ref}, out]}
    return out


def _convert_content(content: dict) -> dict:
    out = {}
    for media, obj in content.items():
        obj = dict(obj)
        if "schema" in obj:
            obj["schema"] = convert_schema(obj["schema"])
        out[media] = obj
    return out


def _convert_params(params: list) -> list:
    out = []
    for p in params:
        p = dict(p)
        if "schema" in p:
            p["schema"] = convert_schema(p["schema"])
        out.append(p)
    return out


def _convert_operation(op: dict) -> dict:
    op = dict(op)
    if "parameters" in op:
        op["parameters"] = _convert_params(op["parameters"])
    body = op.get("requestBody")
    if isinstance(body, dict) and "content" in body:
        op["requestBody"] = {**body, "content": _convert_content(body["content"])}
    responses = {}
    for status, resp in (op.get("responses") or {}).items():
        resp = dict(resp)
        if "content" in resp:
            resp["content"] = _convert_content(resp["content"])
        if "headers" in resp:
            resp["headers"] = {n: _convert_header(h) for n, h in resp["headers"].items()}
        responses[str(status)] = resp
    op["responses"] = responses or {"default": {"description": "Any response."}}
    return op


def _convert_header(header: dict) -> dict:
    header = dict(header)
    if "schema" in header:
        header["schema"] = convert_schema(header["schema"])
    return header


def _map_values(section: dict | None, fn: Callable[[Any], Any]) -> dict:
    return {k: fn(v) for k, v in (section or {}).items()}


def to_openapi30(doc: dict) -> dict:
    """Return a new 3.0.3 document; `doc` is not modified."""
    view = {k: v for k, v in doc.items() if k not in ("webhooks", "jsonSchemaDialect", "openapi", "paths",
                                                        "components", "info")}
    view["openapi"] = "3.0.3"
    info = {k: v for k, v in doc.get("info", {}).items() if k != "summary"}
    if "license" in info:
        info["license"] = {k: v for k, v in info["license"].items() if k != "identifier"}
    view["info"] = info
    paths = {}
    for path, item in (doc.get("paths") or {}).items():
        new_item = {}
        for key, value in item.items():
            if key == "parameters":
                new_item[key] = _convert_params(value)
            elif key in ("get", "put", "post", "delete", "patch", "head", "options", "trace"):
                new_item[key] = _convert_operation(value)
            else:
                new_item[key] = value
        paths[path] = new_item
    view["paths"] = paths
    comps = dict(doc.get("components") or {})
    comps.pop("pathItems", None)
    comps["schemas"] = _map_values(comps.get("schemas"), convert_schema)
    comps["parameters"] = {k: _convert_params([v])[0] for k, v in (comps.get("parameters") or {}).items()}
    comps["headers"] = _map_values(comps.get("headers"), _convert_header)
    comps["responses"] = _map_values(
        comps.get("responses"), lambda r: {**r, **({"content": _convert_content(r["content"])} if "content" in r else {})}
    )
    comps["requestBodies"] = _map_values(
        comps.get("requestBodies"), lambda b: {**b, **({"content": _convert_content(b["content"])} if "content" in b else {})}
    )
    view["components"] = {k: v for k, v in comps.items() if v}
    _type_string_params(view)
    return view


def _type_string_params(view: dict) -> None:
    """connexion's query parser reads a parameter schema's `type`; one that is only an anyOf/oneOf of strings
    has none and crashed it (KeyError). Such parameters get the `type: string` their branches share."""
    def resolve(schema: Any) -> Any:
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and schema["$ref"].startswith("#/"):
            node: Any = view
            for part in schema["$ref"][2:].split("/"):
                node = node.get(part, {}) if isinstance(node, dict) else {}
            schema = node
        return schema

    def is_string(schema: Any) -> bool:
        schema = resolve(schema)
        if not isinstance(schema, dict):
            return False
        branches = schema.get("anyOf") or schema.get("oneOf")
        if "type" in schema or not branches:
            return schema.get("type") == "string"
        return all(is_string(b) for b in branches)

    items = [item for path_item in view["paths"].values() for item in path_item.values() if isinstance(item, dict)]
    params = [p for item in items for p in item.get("parameters", []) if isinstance(p, dict)]
    params += [p for item in view["paths"].values() for p in item.get("parameters", []) if isinstance(p, dict)]
    params += list(view.get("components", {}).get("parameters", {}).values())
    for p in params:
        schema = p.get("schema")
        if isinstance(schema, dict) and "type" not in resolve(schema) and is_string(schema):
            p["schema"] = {"type": "string", "allOf": [schema]}
