"""A synthetic contract the size of the real one (326 operations), for timing.

Run directly to print the numbers: python tests/conformance/diff/bigspec.py
"""
from __future__ import annotations

import copy
from typing import Any

N_RESOURCES = 40


def _resource_schema(i: int) -> dict[str, Any]:
    return {
        "type": "object",
        "description": f"Resource {i}.",
        "required": ["id", "status", "created_at", "owner"],
        "properties": {
            "id": {"$ref": "#/components/schemas/Id"},
            "status": {"$ref": "#/components/schemas/JobStatus"},
            "name": {"type": "string", "maxLength": 255},
            "score": {"type": ["number", "null"], "minimum": 0, "maximum": 100},
            "created_at": {"$ref": "#/components/schemas/Timestamp"},
            "deleted_at": {"$ref": "#/components/schemas/NullableTimestamp"},
            "owner": {"$ref": "#/components/schemas/User"},
            "tags": {"type": "array", "items": {"type": "string", "pattern": "^[a-z-]+$"}, "maxItems": 20},
            "settings": {
                "type": "object",
                "properties": {
                    "locale": {"type": "string", "enum": ["en", "de", "fr", "es"]},
                    "frequency": {"type": "string", "enum": ["daily", "weekly", "monthly"]},
                    "channels": {"type": "array", "items": {"oneOf": [
                        {"type": "object", "required": ["email"], "properties": {"email": {"type": "string", "format": "email"}}},
                        {"type": "object", "required": ["url"], "properties": {"url": {"type": "string", "format": "uri"}}},
                    ]}},
                },
            },
            "metrics": {"type": "array", "items": {"$ref": f"#/components/schemas/Metric{i % 8}"}},
            "parent": {"anyOf": [{"$ref": f"#/components/schemas/Resource{i}"}, {"type": "null"}]},
        },
    }


def _components() -> dict[str, Any]:
    schemas: dict[str, Any] = {
        "Id": {"type": "integer", "minimum": 1},
        "Timestamp": {"type": "string", "format": "date-time"},
        "NullableTimestamp": {"type": ["string", "null"], "format": "date-time"},
        "JobStatus": {"type": "string", "enum": ["pending", "generating", "completed", "failed"]},
        "User": {"type": "object", "required": ["id", "email"], "properties": {
            "id": {"$ref": "#/components/schemas/Id"}, "email": {"type": "string", "format": "email"},
            "name": {"type": "string"}}},
        "PaginationMeta": {"type": "object", "required": ["total", "per_page", "current_page", "last_page"], "properties": {
            k: {"type": "integer", "minimum": 0} for k in ("total", "per_page", "current_page", "last_page")}},
        "Message": {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}},
        "StructuredError": {"type": "object", "required": ["error"], "properties": {"error": {
            "type": "object", "required": ["code"], "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
    }
    for m in range(8):
        schemas[f"Metric{m}"] = {"type": "object", "required": ["key", "value"], "properties": {
            "key": {"type": "string"}, "value": {"type": "number"}, "unit": {"type": "string", "enum": ["pct", "count", "ms"]}}}
    for i in range(N_RESOURCES):
        schemas[f"Resource{i}"] = _resource_schema(i)
    message = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Message"},
                                                  "examples": {"x": {"value": {"message": "x"}}}}}}
    responses = {name: {"description": name, **copy.deepcopy(message)}
                 for name in ("Unauthenticated", "Forbidden", "NotFound", "Conflict")}
    responses["ValidationError"] = {"description": "invalid", "content": {"application/json": {"schema": {
        "allOf": [{"$ref": "#/components/schemas/Message"}, {"properties": {"errors": {
            "type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}}}]}}}}
    responses["RateLimited"] = {"description": "slow down", "headers": {"Retry-After": {"required": True, "schema": {"type": "integer"}}},
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/StructuredError"}}}}
    parameters = {
        "Page": {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
        "PerPage": {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
        "Id": {"name": "id", "in": "path", "required": True, "schema": {"$ref": "#/components/schemas/Id"}},
    }
    return {"schemas": schemas, "responses": responses, "parameters": parameters,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}}


def _errors(*names: str) -> dict[str, Any]:
    codes = {"Unauthenticated": "401", "Forbidden": "403", "NotFound": "404", "Conflict": "409",
             "ValidationError": "422", "RateLimited": "429"}
    return {codes[n]: {"$ref": f"#/components/responses/{n}"} for n in names}


def _json(schema: dict[str, Any], code: str = "200") -> dict[str, Any]:
    return {code: {"description": "OK", "content": {"application/json": {"schema": schema}}}}


def big_spec(n_operations: int = 326) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    count = 0
    i = 0
    while count < n_operations:
        r = i % N_RESOURCES
        ref = {"$ref": f"#/components/schemas/Resource{r}"}
        base = f"/group{i // N_RESOURCES}/resource{r}"
        item_path = base + "/{id}"
        collection = {
            "get": {"operationId": f"list{i}", "parameters": [{"$ref": "#/components/parameters/Page"}, {"$ref": "#/components/parameters/PerPage"},
                                                              {"name": "status", "in": "query", "schema": {"$ref": "#/components/schemas/JobStatus"}}],
                    "responses": {**_json({"type": "object", "required": ["data", "meta"], "properties": {
                        "data": {"type": "array", "items": ref}, "meta": {"$ref": "#/components/schemas/PaginationMeta"}}}),
                        **_errors("Unauthenticated", "RateLimited")},
                    "x-mock-resource": {"name": f"res{r}", "action": "list"}, "x-mock-throttle": {"limit": 60, "window": 60, "key": ["token"]}},
            "post": {"operationId": f"create{i}", "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["name"], "additionalProperties": False, "properties": {
                    "name": {"type": "string", "maxLength": 255}, "tags": {"type": "array", "items": {"type": "string"}},
                    "settings": {"$ref": f"#/components/schemas/Resource{r}/properties/settings"}}}}}},
                     "responses": {**_json(ref, "202"), **_errors("Unauthenticated", "ValidationError", "RateLimited")},
                     "x-mock-credits": {"cost": 10 + r, "deferred": "15 * 3"},
                     "x-mock-job": {"resource": f"res{r}", "field": "status", "states": ["pending", "generating", "completed"],
                               "failure": "failed", "poll": f"get{i}", "fill": {"name": "$generate"}}},
        }
        item = {
            "parameters": [{"$ref": "#/components/parameters/Id"}],
            "get": {"operationId": f"get{i}", "responses": {**_json({"type": "object", "required": ["data"], "properties": {"data": ref}}),
                                                           **_errors("Unauthenticated", "Forbidden", "NotFound")}},
            "put": {"operationId": f"update{i}", "requestBody": {"content": {"application/json": {"schema": {"allOf": [ref, {"required": ["name"]}]}}}},
                    "responses": {**_json(ref), **_errors("Unauthenticated", "Forbidden", "NotFound", "ValidationError")},
                    "x-mock-preconditions": [{"field": "deleted_at", "is": "null", "refuse": {"status": 409}}]},
            "delete": {"operationId": f"delete{i}", "responses": {"204": {"description": "gone"}, **_errors("Unauthenticated", "Forbidden", "NotFound", "Conflict")}},
        }
        for path, ops in ((base, collection), (item_path, item)):
            kept = {k: v for k, v in ops.items() if k == "parameters"}
            for method, op in ops.items():
                if method != "parameters" and count < n_operations:
                    kept[method] = op
                    count += 1
            if len(kept) > ("parameters" in kept):
                paths[path] = kept
        i += 1
    return {"openapi": "3.1.0", "info": {"title": "big", "version": "1.0.0"}, "security": [{"bearerAuth": []}],
            "paths": paths, "components": _components()}


def count_operations(doc: dict[str, Any]) -> int:
    return sum(1 for item in doc["paths"].values() for k in item if k != "parameters")


def widely_changed(doc: dict[str, Any]) -> dict[str, Any]:
    """Edits to components every operation uses, so the walker has to go deep everywhere."""
    new = copy.deepcopy(doc)
    schemas = new["components"]["schemas"]
    schemas["JobStatus"]["enum"].append("archived")
    schemas["User"]["required"].remove("email")
    schemas["Timestamp"]["format"] = "date"
    schemas["Metric3"]["properties"]["unit"]["enum"].remove("ms")
    return new


def measure() -> dict[str, float]:
    import time

    import yaml

    from conformance.diff.engine import diff_specs
    from conformance.diff.load import Source, parse, resolve_refs
    from conformance.diff.spec import Spec

    text = yaml.safe_dump(big_spec(), sort_keys=False)
    changed_text = yaml.safe_dump(widely_changed(big_spec()), sort_keys=False)
    out: dict[str, float] = {"lines": float(text.count("\n"))}
    for label, other in (("identical", text), ("widely_changed", changed_text)):
        t0 = time.perf_counter()
        old, new = parse(Source("old", text)), parse(Source("new", other))
        t1 = time.perf_counter()
        changes = diff_specs(Spec(resolve_refs(old)), Spec(resolve_refs(new)))
        t2 = time.perf_counter()
        out[f"{label}_parse_s"] = t1 - t0
        out[f"{label}_diff_s"] = t2 - t1
        out[f"{label}_changes"] = float(len(changes))
    return out


if __name__ == "__main__":
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
    assert count_operations(big_spec()) == 326
    for key, value in measure().items():
        print(f"{key:28} {value:.3f}")
