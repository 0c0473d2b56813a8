"""Two versions of the real contract: one breaking edit hidden among safe ones.

The spec is being written while this test exists, so nothing here names an
operation: it picks the first one whose 2xx JSON response has required
properties, and falls back to a probe operation of its own when none does yet.
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from conformance.diff import diff_documents

SPEC = Path(__file__).resolve().parents[3] / "spec" / "openapi.yaml"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the pure-Python loader takes seconds here


def load_spec() -> dict[str, Any]:
    return yaml.load(SPEC.read_text(encoding="utf-8"), Loader=_LOADER)
METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")
COMPOSITION = ("allOf", "oneOf", "anyOf")

PROBE_PATH = "/x-diff-probe/reports/{id}"
PROBE = {
    "get": {
        "operationId": "xDiffProbeGetReport",
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}],
        "responses": {"200": {"description": "The report.", "content": {"application/json": {"schema": {
            "type": "object",
            "required": ["id", "status"],
            "properties": {
                "id": {"type": "integer"},
                "status": {"type": "string", "enum": ["pending", "completed", "failed"]},
                "title": {"type": "string"},
            },
        }}}}},
    }
}


def deref(doc: dict[str, Any], node: Any) -> Any:
    seen: set[str] = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        ref = node["$ref"]
        if ref in seen:
            return None
        seen.add(ref)
        target: Any = doc
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, dict) or part not in target:
                return None
            target = target[part]
        node = target
    return node


def operations(doc: dict[str, Any]):
    for path, item in (doc.get("paths") or {}).items():
        if isinstance(item, dict):
            for method in METHODS:
                if isinstance(item.get(method), dict):
                    yield str(path), method, item[method]


def find_target(doc: dict[str, Any]) -> tuple[str, str, str, str, str] | None:
    """(path, method, status, media type, property) of a removable required response property."""
    for path, method, op in operations(doc):
        for code, response in (op.get("responses") or {}).items():
            response = deref(doc, response)
            if not str(code).startswith("2") or not isinstance(response, dict):
                continue
            for media, body in (response.get("content") or {}).items():
                if "json" not in str(media) or not isinstance(body, dict):
                    continue
                schema = deref(doc, body.get("schema"))
                if not isinstance(schema, dict) or any(k in schema for k in COMPOSITION):
                    continue
                props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
                required = [r for r in schema.get("required") or [] if r in props]
                if required:
                    return path, method, str(code), str(media), str(required[0])
    return None


def remove_required_property(doc: dict[str, Any], target: tuple[str, str, str, str, str]) -> None:
    """Inline this one operation's response (so no other operation shares it) minus one property."""
    path, method, code, media, prop = target
    responses = doc["paths"][path][method]["responses"]
    key = next(k for k in responses if str(k) == code)
    response = copy.deepcopy(deref(doc, responses[key]))
    responses[key] = response
    schema = copy.deepcopy(deref(doc, response["content"][media]["schema"]))
    response["content"][media]["schema"] = schema
    schema["required"] = [r for r in schema["required"] if r != prop]
    del schema["properties"][prop]


def edit_descriptions(doc: dict[str, Any]) -> None:
    doc["info"]["description"] = str(doc["info"].get("description", "")) + "\nEdited for the diff test."
    for _, _, op in list(operations(doc))[:20]:
        op["summary"] = f"{op.get('summary', '')} (reworded)"
        op["description"] = "Reworded description."
    for schema in (doc.get("components", {}).get("schemas") or {}).values():
        if isinstance(schema, dict):
            schema["description"] = "Reworded schema description."


def add_optional_parameter(doc: dict[str, Any]) -> str:
    path, method, op = next(operations(doc))
    params = op.setdefault("parameters", [])
    params.append({"name": "x_diff_probe", "in": "query", "required": False, "schema": {"type": "string"}})
    return f"{method.upper()} {path}"


def move_inline_schema_to_ref(doc: dict[str, Any]) -> bool:
    """Move the first inline parameter schema into components and point at it."""
    holders: list[dict[str, Any]] = []
    for _, _, op in operations(doc):
        holders += [p for p in op.get("parameters") or [] if isinstance(p, dict)]
    holders += [p for p in (doc.get("components", {}).get("parameters") or {}).values() if isinstance(p, dict)]
    for param in holders:
        schema = param.get("schema")
        if isinstance(schema, dict) and "$ref" not in schema and param.get("name") != "x_diff_probe":
            doc.setdefault("components", {}).setdefault("schemas", {})["XDiffMovedSchema"] = schema
            param["schema"] = {"$ref": "#/components/schemas/XDiffMovedSchema"}
            return True
    return False


def test_one_breaking_edit_among_safe_ones() -> None:
    check_one_breaking_edit(load_spec())


def test_one_breaking_edit_with_the_probe_operation() -> None:
    # Exercises the fallback used while the spec has no suitable operation.
    doc = load_spec()
    doc["paths"] = {}
    check_one_breaking_edit(doc)


def check_one_breaking_edit(old: dict[str, Any]) -> None:
    target = find_target(old)
    if target is None:  # the spec has no suitable operation yet: bring one
        old.setdefault("paths", {})[PROBE_PATH] = copy.deepcopy(PROBE)
        target = find_target(old)
    assert target is not None
    new = copy.deepcopy(old)

    remove_required_property(new, target)
    edit_descriptions(new)
    with_param = add_optional_parameter(new)
    assert move_inline_schema_to_ref(new)

    changes = diff_documents(old, new)
    shown = "\n".join(f"{c.level.name} {c.id} {c.operation} | {c.message}" for c in changes)
    path, method, code, media, prop = target
    errors = [c for c in changes if c.level.name == "ERR"]
    assert len(errors) == 1, shown
    assert errors[0].id == "response-required-property-removed", shown
    assert errors[0].operation == f"{method.upper()} {path}"
    assert errors[0].path == f"response {code} {media} /{prop}"
    others = {(c.id, c.level.name, c.operation) for c in changes if c.level.name != "ERR"}
    assert others == {("new-optional-request-parameter", "INFO", with_param)}, shown


def test_spec_against_itself_is_clean() -> None:
    doc = load_spec()
    assert diff_documents(doc, copy.deepcopy(doc)) == []
