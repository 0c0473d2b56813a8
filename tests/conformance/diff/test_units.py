"""Loader, normalisation, ignore-file and catalog details the corpus does not pin down."""

from __future__ import annotations

import re
from typing import Any

import pytest

from conformance.diff import diff_documents
from conformance.diff.catalog import RULES
from conformance.diff.ignore import IgnoreFileError, parse_ignore
from conformance.diff.load import RECURSIVE_MARKER, SpecLoadError, resolve_refs
from conformance.diff.model import Change, Level


def spec(schema: Any, components: dict[str, Any] | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/x": {
                "get": {
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}
                }
            }
        },
    }
    if components:
        doc["components"] = {"schemas": components}
    return doc


def ids(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return [c.id for c in diff_documents(old, new)]


def test_recursive_refs_terminate() -> None:
    node = {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Node"}}}
    resolved = resolve_refs(spec({"$ref": "#/components/schemas/Node"}, {"Node": node})).doc
    inner = resolved["components"]["schemas"]["Node"]["properties"]["next"]
    assert RECURSIVE_MARKER in inner["properties"]["next"]


def test_mutually_recursive_refs_terminate() -> None:
    comps = {
        "A": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B"}}},
        "B": {"type": "object", "properties": {"a": {"$ref": "#/components/schemas/A"}, "n": {"type": "integer"}}},
    }
    changed = {
        **comps,
        "B": {"type": "object", "properties": {"a": {"$ref": "#/components/schemas/A"}, "n": {"type": "string"}}},
    }
    assert ids(spec({"$ref": "#/components/schemas/A"}, comps), spec({"$ref": "#/components/schemas/A"}, comps)) == []
    assert ids(spec({"$ref": "#/components/schemas/A"}, comps), spec({"$ref": "#/components/schemas/A"}, changed)) == [
        "response-property-type-changed"
    ]


def test_property_named_like_a_keyword_is_resolved() -> None:
    comps = {"Choice": {"type": "string", "enum": ["a", "b"]}}
    old = spec({"type": "object", "properties": {"enum": {"$ref": "#/components/schemas/Choice"}}}, comps)
    new = spec({"type": "object", "properties": {"enum": {"type": "string", "enum": ["a"]}}}, comps)
    assert ids(old, new) == ["response-property-enum-value-removed"]


def test_example_payload_with_a_ref_key_is_left_alone() -> None:
    doc = spec({"type": "object", "examples": [{"$ref": "#/nowhere"}]})
    resolved = resolve_refs(doc)
    assert resolved.warnings == []
    assert resolved.doc["paths"]["/x"]["get"]["responses"]["200"]["content"]["application/json"]["schema"][
        "examples"
    ] == [{"$ref": "#/nowhere"}]


def test_dangling_ref_is_a_warning_not_a_crash() -> None:
    resolved = resolve_refs(spec({"$ref": "#/components/schemas/Missing"}))
    assert any("Missing" in w for w in resolved.warnings)


@pytest.mark.parametrize(
    "old, new",
    [
        ({"type": "string", "nullable": True}, {"type": ["string", "null"]}),
        ({"type": ["string", "null"]}, {"anyOf": [{"type": "string"}, {"type": "null"}]}),
        ({"type": "string", "const": "x"}, {"type": "string", "enum": ["x"]}),
        (
            {"type": "string", "description": "a", "title": "A"},
            {"type": "string", "description": "b", "examples": ["b"]},
        ),
        ({"oneOf": [{"type": "string"}, {"type": "integer"}]}, {"oneOf": [{"type": "integer"}, {"type": "string"}]}),
    ],
    ids=["nullable-3.0-vs-3.1", "type-array-vs-anyof-null", "const-vs-enum", "annotations", "branch-order"],
)
def test_equivalent_spellings_are_no_change(old: dict[str, Any], new: dict[str, Any]) -> None:
    assert ids(spec(old), spec(new)) == []


def test_ref_with_sibling_constraints_is_all_of() -> None:
    comps = {"Name": {"type": "string"}}
    old = spec({"$ref": "#/components/schemas/Name"}, comps)
    new = spec({"$ref": "#/components/schemas/Name", "maxLength": 10}, comps)
    assert ids(old, new) == ["response-body-max-length-set"]


def test_type_change_does_not_also_list_every_keyword() -> None:
    old = spec({"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}})
    new = spec({"type": "array", "items": {"type": "string"}})
    assert ids(old, new) == ["response-body-type-changed"]


def test_integer_to_number_widens() -> None:
    old, new = spec({"type": "integer"}), spec({"type": "number"})
    assert ids(old, new) == ["response-body-type-generalized"]
    assert ids(new, old) == ["response-body-type-specialized"]


def test_write_only_property_is_not_a_response_change() -> None:
    old = spec({"type": "object", "properties": {"a": {"type": "string"}}})
    new = spec(
        {"type": "object", "properties": {"a": {"type": "string"}, "secret": {"type": "string", "writeOnly": True}}}
    )
    assert ids(old, new) == []


def test_ignore_parsing() -> None:
    rules = parse_ignore(
        "# header\n"
        "ERR request-parameter-became-required GET /foo\n"
        "GET /foo/{id} request-parameter-became-required  # trailing\n"
        "response-* * /bar* /data/items\n"
    )
    assert [(r.level, r.method, r.path, r.rule_id, r.text) for r in rules] == [
        (Level.ERR, "GET", "/foo", "request-parameter-became-required", None),
        (None, "GET", "/foo/{id}", "request-parameter-became-required", None),
        (None, "*", "/bar*", "response-*", "/data/items"),
    ]
    change = Change(
        "request-parameter-became-required", Level.ERR, "GET /foo/{id}", "query parameter a: became required"
    )
    assert not rules[0].matches(change) and rules[1].matches(change)
    with pytest.raises(IgnoreFileError, match="line 2"):
        parse_ignore("# fine\nGET /foo\n")


def test_catalog_ids_are_kebab_case_with_a_level() -> None:
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)+", rule) for rule in RULES)
    assert all(isinstance(level, Level) for level in RULES.values())


def test_malformed_documents_never_raise(corpus) -> None:
    """Specs under review are often half-written: odd shapes must not crash the differ."""
    import copy
    import random

    import yaml

    rng = random.Random(7)
    junk = [None, 1, "x", [], {}, True, {"$ref": "#/components/schemas/Nope"}, {"$ref": "#/paths"}, ["a", {"b": 1}]]
    docs = [yaml.safe_load((case / "old.yaml").read_text()) for case in sorted(corpus.iterdir()) if case.is_dir()]
    refused = 0
    for _ in range(300):
        old = rng.choice(docs)
        new = copy.deepcopy(old)
        holders: list[dict[str, Any]] = []
        stack: list[Any] = [new]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                holders.append(item)
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
        for _ in range(3):
            target = rng.choice(holders)
            if target:
                target[rng.choice(list(target))] = copy.deepcopy(rng.choice(junk))
        for a, b in ((old, new), (new, old)):
            try:
                assert all(c.id in RULES for c in diff_documents(a, b))
            except SpecLoadError as exc:
                # contract/ refuses broken x-mock- declarations: the CLI's one-line exit 2, not a crash.
                assert "x-mock- declarations" in str(exc) and "\n" not in str(exc)
                refused += 1
    assert refused < 300  # most mutations leave the declarations readable
