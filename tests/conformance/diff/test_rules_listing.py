"""`python -m conformance diff rules` lists exactly the ids the differ can emit.

"Can emit" is shown, not assumed: every listed id must come out of some input,
either a corpus case (either direction), a schema aspect placed at each of the
six places a schema sits, or one of the policy cases below. An id the code
stopped emitting, or a catalog entry nobody wired up, fails here.
"""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.diff import diff_documents
from conformance.diff.catalog import BOUNDS, REQUEST_PREFIXES, RESPONSE_PREFIXES, RULES
from conformance.diff.cli import main
from conformance.diff.model import Policy

CORPUS = Path(__file__).parent / "corpus"


def doc(schema: Any, where: str) -> dict[str, Any]:
    """A one-operation document with `schema` at the place `where` (a rule-id prefix) names."""
    op: dict[str, Any] = {"responses": {"200": {"description": "ok"}}}
    if where == "request-parameter":
        op["parameters"] = [{"name": "q", "in": "query", "schema": schema}]
    elif where == "request-body":
        op["requestBody"] = {"content": {"application/json": {"schema": schema}}}
    elif where == "request-property":
        op["requestBody"] = {
            "content": {"application/json": {"schema": {"type": "object", "properties": {"p": schema}}}}
        }
    elif where == "response-body":
        op["responses"]["200"]["content"] = {"application/json": {"schema": schema}}
    elif where == "response-property":
        op["responses"]["200"]["content"] = {
            "application/json": {"schema": {"type": "object", "properties": {"p": schema}}}
        }
    else:
        op["responses"]["200"]["headers"] = {"X-Thing": {"schema": schema}}
    return {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {"/x": {"post": op}}}


OBJ_A = {"type": "object", "properties": {"a": {"type": "string"}}}
OBJ_B = {"type": "object", "properties": {"b": {"type": "integer"}}}
DISC = {"oneOf": [OBJ_A, OBJ_B], "discriminator": {"propertyName": "kind", "mapping": {"a": "#/A"}}}
COND = {"if": {"required": ["a"]}, "then": {"required": ["b"]}, "else": {"required": ["c"]}}

# (old, new) -> the aspects that pair produces
ASPECT_PAIRS: list[tuple[Any, Any, set[str]]] = [
    ({"type": "string"}, {"type": "boolean"}, {"type-changed"}),
    ({"type": "integer"}, {"type": "number"}, {"type-generalized"}),
    ({"type": "string"}, {"type": "string", "format": "date"}, {"type-specialized"}),
    ({"type": "string"}, {"type": ["string", "integer"]}, {"list-of-types-widened"}),
    ({"type": ["string", "integer"]}, {"type": "string"}, {"list-of-types-narrowed"}),
    ({"type": "string"}, {"type": ["string", "null"]}, {"became-nullable"}),
    ({"type": ["string", "null"]}, {"type": "string"}, {"became-not-nullable"}),
    ({"enum": ["a", "b"]}, {"enum": ["a", "b", "c"]}, {"enum-value-added"}),
    ({"enum": ["a", "b", "c"]}, {"enum": ["a", "b"]}, {"enum-value-removed"}),
    ({"type": "string"}, {"type": "string", "enum": ["a", "b"]}, {"became-enum"}),
    ({"type": "string", "enum": ["a", "b"]}, {"type": "string"}, {"no-longer-enum"}),
    ({"type": "string"}, {"type": "string", "const": "a"}, {"const-added"}),
    ({"type": "string", "const": "a"}, {"type": "string"}, {"const-removed"}),
    ({"const": "a"}, {"const": "b"}, {"const-changed"}),
    ({"type": "string"}, {"type": "string", "default": "a"}, {"default-value-added"}),
    ({"type": "string", "default": "a"}, {"type": "string"}, {"default-value-removed"}),
    ({"type": "string", "default": "a"}, {"type": "string", "default": "b"}, {"default-value-changed"}),
    ({"type": "string"}, {"type": "string", "pattern": "^a"}, {"pattern-added"}),
    ({"type": "string", "pattern": "^a"}, {"type": "string"}, {"pattern-removed"}),
    ({"type": "string", "pattern": "^a"}, {"type": "string", "pattern": "^b"}, {"pattern-changed"}),
    ({"type": "string", "pattern": "^a$"}, {"type": "string", "pattern": ".*"}, {"pattern-generalized"}),
    ({"oneOf": [OBJ_A]}, {"oneOf": [OBJ_A, {"type": "boolean"}]}, {"one-of-added"}),
    ({"oneOf": [OBJ_A, {"type": "boolean"}]}, {"oneOf": [OBJ_A]}, {"one-of-removed"}),
    ({"anyOf": [OBJ_A]}, {"anyOf": [OBJ_A, {"type": "boolean"}]}, {"any-of-added"}),
    ({"anyOf": [OBJ_A, {"type": "boolean"}]}, {"anyOf": [OBJ_A]}, {"any-of-removed"}),
    ({"allOf": [OBJ_A]}, {"allOf": [OBJ_A, OBJ_B]}, {"all-of-added"}),
    ({"allOf": [OBJ_A, OBJ_B]}, {"allOf": [OBJ_A]}, {"all-of-removed"}),
    ({"oneOf": [OBJ_A, OBJ_B]}, DISC, {"discriminator-added"}),
    (DISC, {"oneOf": [OBJ_A, OBJ_B]}, {"discriminator-removed"}),
    (
        DISC,
        {**DISC, "discriminator": {"propertyName": "type", "mapping": {"a": "#/A"}}},
        {"discriminator-property-name-changed"},
    ),
    (
        DISC,
        {**DISC, "discriminator": {"propertyName": "kind", "mapping": {"a": "#/A", "b": "#/B"}}},
        {"discriminator-mapping-added"},
    ),
    (DISC, {**DISC, "discriminator": {"propertyName": "kind"}}, {"discriminator-mapping-deleted"}),
    (
        DISC,
        {**DISC, "discriminator": {"propertyName": "kind", "mapping": {"a": "#/B"}}},
        {"discriminator-mapping-changed"},
    ),
    ({"type": "object"}, {"type": "object", "additionalProperties": False}, {"additional-properties-disallowed"}),
    ({"type": "object", "additionalProperties": False}, {"type": "object"}, {"additional-properties-allowed"}),
    ({"prefixItems": [{"type": "string"}]}, {"prefixItems": [{"type": "string"}] * 2}, {"prefix-items-added"}),
    ({"prefixItems": [{"type": "string"}] * 2}, {"prefixItems": [{"type": "string"}]}, {"prefix-items-removed"}),
    ({"type": "array"}, {"type": "array", "contains": {"const": 1}}, {"contains-added"}),
    ({"type": "array", "contains": {"const": 1}}, {"type": "array"}, {"contains-removed"}),
    ({}, COND, {"if-added", "then-added", "else-added"}),
    (COND, {}, {"if-removed", "then-removed", "else-removed"}),
    ({"type": "object"}, {"type": "object", "dependentRequired": {"a": ["b"]}}, {"dependent-required-added"}),
    ({"type": "object", "dependentRequired": {"a": ["b"]}}, {"type": "object"}, {"dependent-required-removed"}),
    ({"dependentRequired": {"a": ["b"]}}, {"dependentRequired": {"a": ["c"]}}, {"dependent-required-changed"}),
    ({"type": "object"}, {"type": "object", "dependentSchemas": {"a": OBJ_B}}, {"dependent-schema-added"}),
    ({"type": "object", "dependentSchemas": {"a": OBJ_B}}, {"type": "object"}, {"dependent-schema-removed"}),
    ({"type": "object"}, {"type": "object", "unevaluatedProperties": False}, {"unevaluated-properties-added"}),
    ({"type": "object", "unevaluatedProperties": False}, {"type": "object"}, {"unevaluated-properties-removed"}),
    ({"type": "array"}, {"type": "array", "unevaluatedItems": False}, {"unevaluated-items-added"}),
    ({"type": "array", "unevaluatedItems": False}, {"type": "array"}, {"unevaluated-items-removed"}),
    ({"type": "object"}, {"type": "object", "propertyNames": {"maxLength": 3}}, {"property-names-added"}),
    ({"type": "object", "propertyNames": {"maxLength": 3}}, {"type": "object"}, {"property-names-removed"}),
    ({"type": "object"}, {"type": "object", "patternProperties": {"^x": OBJ_A}}, {"pattern-property-added"}),
    ({"type": "object", "patternProperties": {"^x": OBJ_A}}, {"type": "object"}, {"pattern-property-removed"}),
    ({"type": "array"}, {"type": "array", "uniqueItems": True}, {"unique-items-set"}),
    ({"type": "array", "uniqueItems": True}, {"type": "array"}, {"unique-items-unset"}),
    ({"type": "integer"}, {"type": "integer", "multipleOf": 5}, {"multiple-of-set"}),
    ({"type": "integer", "multipleOf": 5}, {"type": "integer"}, {"multiple-of-unset"}),
    ({"multipleOf": 10}, {"multipleOf": 5}, {"multiple-of-generalized"}),
    ({"multipleOf": 5}, {"multipleOf": 10}, {"multiple-of-specialized"}),
    ({"multipleOf": 4}, {"multipleOf": 6}, {"multiple-of-changed"}),
]
for keyword, (slug, _) in BOUNDS.items():
    ASPECT_PAIRS += [
        ({}, {keyword: 5}, {f"{slug}-set"}),
        ({keyword: 5}, {}, {f"{slug}-unset"}),
        ({keyword: 5}, {keyword: 6}, {f"{slug}-increased"}),
        ({keyword: 6}, {keyword: 5}, {f"{slug}-decreased"}),
    ]

PREFIXES = REQUEST_PREFIXES + RESPONSE_PREFIXES


@pytest.mark.parametrize("old, new, aspects", ASPECT_PAIRS, ids=[",".join(sorted(a)) for _, _, a in ASPECT_PAIRS])
def test_each_aspect_is_reported_wherever_a_schema_sits(old: Any, new: Any, aspects: set[str]) -> None:
    checked = 0
    for prefix in PREFIXES:
        found = {c.id for c in diff_documents(doc(copy.deepcopy(old), prefix), doc(copy.deepcopy(new), prefix))}
        expected = {f"{prefix}-{aspect}" for aspect in aspects} & set(RULES)  # some aspects are one-sided
        assert expected <= found, (prefix, found)
        checked += len(expected)
    assert checked


def _op(**extra: Any) -> dict[str, Any]:
    return {"responses": {"200": {"description": "ok"}}, **extra}


def _paths(paths: dict[str, Any]) -> dict[str, Any]:
    return {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": paths}


POLICY = Policy(beta_days=30, stable_days=180, today=date(2026, 1, 1))
# Ids that need a deprecation policy, or whose undoing is silent, so no corpus case can hold them.
POLICY_CASES: list[tuple[dict[str, Any], dict[str, Any], Policy, str]] = [
    (
        _paths({"/a": {"get": _op()}}),
        _paths({"/a": {"get": _op(deprecated=True)}}),
        POLICY,
        "api-deprecated-sunset-missing",
    ),
    (
        _paths({"/a": {"get": _op()}}),
        _paths({"/a": {"get": _op(deprecated=True, **{"x-sunset": "2026-02-01"})}}),
        POLICY,
        "api-sunset-date-too-small",
    ),
    (
        _paths({"/a": {"get": _op(deprecated=True, **{"x-sunset": "2027-01-01"})}}),
        _paths({"/a": {"get": _op(deprecated=True, **{"x-sunset": "2026-02-01"})}}),
        POLICY,
        "api-sunset-date-changed-too-small",
    ),
    (
        _paths({"/a": {"get": _op(deprecated=True, **{"x-sunset": "2027-01-01"})}}),
        _paths({"/a": {"get": _op(deprecated=True)}}),
        Policy(),
        "sunset-deleted",
    ),
    (
        _paths({"/a": {"get": _op(deprecated=True, **{"x-sunset": "2027-01-01"})}}),
        _paths({"/a": {"get": _op(deprecated=True, **{"x-sunset": "soon"})}}),
        Policy(),
        "api-path-sunset-parse",
    ),
    (
        _paths({"/a": {"get": _op(deprecated=True, **{"x-sunset": "2999-01-01"})}}),
        _paths({}),
        Policy(),
        "api-path-removed-before-sunset",
    ),
]


@pytest.mark.parametrize("old, new, policy, rule", POLICY_CASES, ids=[c[3] for c in POLICY_CASES])
def test_policy_rules(old: dict[str, Any], new: dict[str, Any], policy: Policy, rule: str) -> None:
    assert [c.id for c in diff_documents(old, new, policy)] == [rule]


def test_without_a_policy_a_deprecation_needs_no_sunset_and_draft_endpoints_may_go() -> None:
    plain = _paths({"/a": {"get": _op()}})
    assert [c.id for c in diff_documents(plain, _paths({"/a": {"get": _op(deprecated=True)}}))] == [
        "endpoint-deprecated"
    ]
    draft = _paths({"/a": {"get": _op(**{"x-stability-level": "draft"})}, "/b": {"get": _op()}})
    assert diff_documents(draft, _paths({"/b": {"get": _op()}})) == []


def _with(op: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return _paths({"/a": {"post": {**op, **extra}}})


BASE_OP = _op()
BODY = {"content": {"application/json": {"schema": {"type": "object"}}}}
JOB = {
    "resource": "report",
    "field": "status",
    "states": ["pending", "done"],
    "failure": "failed",
    "poll": "getA",
    "fill": {"summary": "text"},
}
PRE = [{"field": "status", "in": ["draft"], "refuse": {"status": 409}}]


def _props(required: list[str], **flags: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": {"p": {"type": "string", **flags}}}


def _req(schema: dict[str, Any]) -> dict[str, Any]:
    return _with(BASE_OP, requestBody={"content": {"application/json": {"schema": schema}}})


def _resp(schema: dict[str, Any], headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"description": "ok", "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return _with(BASE_OP, responses={"200": response})


def _param(**fields: Any) -> dict[str, Any]:
    return _with(BASE_OP, parameters=[{"name": "q", "in": "query", "schema": {"type": "string"}, **fields}])


# Shared by every fixed case: an OAuth scheme for the scope rules, the resource x-mock-job names.
ROOT = {
    "components": {
        "securitySchemes": {"o": {"type": "oauth2", "flows": {}}},
        "schemas": {"Report": {"type": "object"}},
    },
    "x-mock-resources": {"report": {"schema": "#/components/schemas/Report"}},
}
# Fixed ids no corpus case holds: smaller variations of behaviour the corpus already shows.
FIXED_CASES: list[tuple[dict[str, Any], dict[str, Any], str]] = [
    (_with(BASE_OP, operationId="a"), _with(BASE_OP, operationId="b"), "api-operation-id-removed"),
    (
        _with(BASE_OP, security=[{"o": ["read"]}]),
        _with(BASE_OP, security=[{"o": ["read", "write"]}]),
        "api-security-scope-added",
    ),
    (
        _with(BASE_OP, security=[{"o": ["read", "write"]}]),
        _with(BASE_OP, security=[{"o": ["read"]}]),
        "api-security-scope-removed",
    ),
    (
        _with(BASE_OP, **{"x-mock-credits": {"cost": 1, "deferred": 5}}),
        _with(BASE_OP, **{"x-mock-credits": {"cost": 1, "deferred": 6}}),
        "credit-deferred-cost-increased",
    ),
    (
        _with(BASE_OP, **{"x-mock-credits": {"cost": 1, "deferred": 5}}),
        _with(BASE_OP, **{"x-mock-credits": {"cost": 1, "deferred": 4}}),
        "credit-deferred-cost-decreased",
    ),
    (
        _with(BASE_OP, **{"x-mock-credits": {"cost": 1, "deferred": 5}}),
        _with(BASE_OP, **{"x-mock-credits": {"cost": 1, "deferred": "len(body.urls)"}}),
        "credit-deferred-cost-changed",
    ),
    (_with(BASE_OP), _with(BASE_OP, **{"x-mock-job": JOB}), "job-added"),
    (_with(BASE_OP, **{"x-mock-job": JOB}), _with(BASE_OP), "job-removed"),
    (
        _with(BASE_OP, **{"x-mock-job": JOB}),
        _with(BASE_OP, **{"x-mock-job": {**JOB, "fill": {}}}),
        "job-fill-field-removed",
    ),
    (
        _with(BASE_OP, **{"x-mock-job": JOB}),
        _with(BASE_OP, **{"x-mock-job": {**JOB, "poll": "getB"}}),
        "job-poll-operation-changed",
    ),
    (
        _with(BASE_OP, **{"x-mock-job": JOB}),
        _with(BASE_OP, **{"x-mock-job": {**JOB, "field": "state"}}),
        "job-state-field-changed",
    ),
    (
        _with(BASE_OP, **{"x-mock-preconditions": PRE}),
        _with(BASE_OP, **{"x-mock-preconditions": [{**PRE[0], "in": ["archived"]}]}),
        "precondition-changed",
    ),
    (_with(BASE_OP), _with(BASE_OP, requestBody=BODY), "request-body-added-optional"),
    (_with(BASE_OP), _with(BASE_OP, requestBody={**BODY, "required": True}), "request-body-added-required"),
    (_with(BASE_OP, requestBody=BODY), _with(BASE_OP), "request-body-removed"),
    (_param(), _param(deprecated=True), "request-parameter-deprecated"),
    (_param(deprecated=True), _param(), "request-parameter-reactivated"),
    (_param(deprecated=True), _with(BASE_OP), "request-parameter-removed-with-deprecation"),
    (_req(_props(["p"])), _req(_props([])), "request-property-became-optional"),
    (_req(_props([])), _req(_props(["p"])), "request-property-became-required"),
    (_resp({}, {"X-A": {"schema": {}}}), _with(BASE_OP), "optional-response-header-removed"),
    (
        _resp({}, {"X-A": {"required": True, "schema": {}}}),
        _resp({}, {"X-A": {"schema": {}}}),
        "response-header-became-optional",
    ),
    (
        _resp({}, {"X-A": {"schema": {}}}),
        _resp({}, {"X-A": {"required": True, "schema": {}}}),
        "response-header-became-required",
    ),
]
for side, wrap in (("request", _req), ("response", _resp)):
    for kind, required in (("optional", []), ("required", ["p"])):
        for flag, key in (("read-only", "readOnly"), ("write-only", "writeOnly")):
            FIXED_CASES += [
                (
                    wrap(_props(required)),
                    wrap(_props(required, **{key: True})),
                    f"{side}-{kind}-property-became-{flag}",
                ),
                (
                    wrap(_props(required, **{key: True})),
                    wrap(_props(required)),
                    f"{side}-{kind}-property-became-not-{flag}",
                ),
            ]


@pytest.mark.parametrize("old, new, rule", FIXED_CASES, ids=[c[2] for c in FIXED_CASES])
def test_fixed_rule(old: dict[str, Any], new: dict[str, Any], rule: str) -> None:
    assert rule in [c.id for c in diff_documents({**ROOT, **old}, {**ROOT, **new})]


def _emitted() -> set[str]:
    found: set[str] = set()
    for case in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        old, new = (yaml.safe_load((case / name).read_text()) for name in ("old.yaml", "new.yaml"))
        found |= {c.id for c in diff_documents(old, new)} | {c.id for c in diff_documents(new, old)}
    for old, new, _ in ASPECT_PAIRS:
        for prefix in PREFIXES:
            found |= {c.id for c in diff_documents(doc(copy.deepcopy(old), prefix), doc(copy.deepcopy(new), prefix))}
    for old, new, policy, _ in POLICY_CASES:
        found |= {c.id for c in diff_documents(old, new, policy)}
    for old, new, _ in FIXED_CASES:
        found |= {c.id for c in diff_documents({**ROOT, **old}, {**ROOT, **new})}
    return found


def test_listing_covers_every_emittable_id_and_nothing_more(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    listed = {line.split()[0] for line in capsys.readouterr().out.splitlines()}
    assert listed == set(RULES)
    emitted = _emitted()
    assert emitted <= listed, f"emitted but not listed: {sorted(emitted - listed)}"
    assert listed <= emitted, f"listed but never emitted: {sorted(listed - emitted)}"


def test_listing_has_a_level_and_description_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--format", "json"]) == 0
    import json

    rows = json.loads(capsys.readouterr().out)
    assert {r["id"] for r in rows} == set(RULES)
    assert all(r["level"] in ("ERR", "WARN", "INFO") and r["description"] for r in rows)
    by_id = {r["id"]: r["level"] for r in rows}
    # Spot checks of oasdiff's levels the issue named.
    assert by_id["request-property-max-set"] == "WARN"
    assert by_id["api-security-removed"] == "INFO"
    assert by_id["request-parameter-default-value-changed"] == "ERR"
