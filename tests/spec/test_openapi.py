"""Acceptance tests of the contract (spec/openapi.yaml, and every companion OpenAPI document beside it in spec/).

A spec passes when it is valid OpenAPI 3.1, its examples fit their schemas, its operations are complete, its
behaviour declarations follow the x- vocabulary, and it documents every answer the mock engine can give (status,
refusal code, headers). The main spec must also list exactly the operations of the API reference, the documented
credit costs and throttles, and lint without Spectral errors. Each test fails with the list of its offenders.
"""
from __future__ import annotations

import csv
import functools
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from contract import (
    METHODS,
    DeclarationError,
    Operation,
    OperationDecl,
    RefResolver,
    ResourceDecl,
    SpecDocument,
    load_yaml,
    merge_all_of,
    read_all,
)
from mockserver.responses import find_response, primary_media

ROOT = Path(__file__).resolve().parents[2]
MAIN = ROOT / "spec" / "openapi.yaml"
REFERENCE = Path(__file__).resolve().parent / "rankion-operations.tsv"
RATE_LIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


@functools.cache
def raw_document(path: Path) -> Any:
    return load_yaml(path)


@functools.cache
def document(path: Path) -> SpecDocument:
    """Refs resolved per operation: needs every ref to resolve (test_every_ref_resolves says which does not)."""
    return SpecDocument(raw_document(path), path)


SPECS = sorted(p for p in (ROOT / "spec").glob("*.yaml") if "openapi" in (raw_document(p) or {}))
each_spec = pytest.mark.parametrize("spec", SPECS, ids=[p.name for p in SPECS])


@functools.cache
def declarations(path: Path) -> tuple[dict[str, ResourceDecl], dict[str, OperationDecl]]:
    return read_all(document(path))


def offenders(title: str, items: list[str], limit: int = 80) -> str:
    shown = "\n  - ".join(items[:limit])
    more = f"\n  … and {len(items) - limit} more" if len(items) > limit else ""
    return f"{len(items)} {title}:\n  - {shown}{more}"


def dotted(at: tuple) -> str:
    return ".".join(str(part) for part in at)


def pointer(at: tuple) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in at)


def lookup(raw: dict, ref: str) -> Any:
    node: Any = raw
    for part in ref[2:].split("/") if ref.startswith("#/") else []:
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def raw_operations(raw: dict) -> Iterator[tuple[str, str, dict]]:
    for path, item in (raw.get("paths") or {}).items():
        for method in METHODS:
            if isinstance(item.get(method), dict):
                yield method, path, item[method]


def label(op: Operation) -> str:
    return f"{op.operation_id} ({op.method.upper()} {op.path})"


# -- 1. OpenAPI 3.1 ---------------------------------------------------------------------------------------------

@each_spec
def test_spec_is_valid_openapi_31(spec):
    raw = raw_document(spec)
    assert str(raw.get("openapi", "")).startswith("3.1."), f"{spec.name}: openapi is {raw.get('openapi')!r}"
    errors = [f"{dotted(tuple(e.absolute_path)) or '<root>'}: {e.message[:300]}"
              for e in OpenAPIV31SpecValidator(raw).iter_errors()]
    assert not errors, offenders("OpenAPI 3.1 violations", errors)


# -- 2. the operations of the API reference ----------------------------------------------------------------------

def _shape(path: str) -> str:
    """Path-parameter names differ between the docs and the spec (`{p}` / `{property}`); the shape does not."""
    return re.sub(r"\{[^}/]+\}", "{}", path)


def test_operations_match_the_api_reference():
    with open(REFERENCE, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    expected = {(r["method"].upper(), _shape(r["path"])): f"{r['method']} {r['path']} (003 line {r['line']})"
                for r in rows}
    assert len(rows) == len(expected) == 326, "the reference list must hold 326 distinct operations"
    actual: dict[tuple[str, str], str] = {}
    clashes = []
    for method, path, _ in raw_operations(raw_document(MAIN)):
        key = (method.upper(), _shape(path))
        if key in actual:
            clashes.append(f"{method.upper()} {path} routes like {actual[key]}")
        actual[key] = f"{method.upper()} {path}"
    problems = [f"missing: {expected[k]}" for k in sorted(expected.keys() - actual.keys())]
    problems += [f"not in the reference: {actual[k]}" for k in sorted(actual.keys() - expected.keys())]
    assert not problems + clashes, offenders("operation differences", problems + clashes)


# -- 3. examples fit their schemas -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Example:
    at: tuple  # where the example is written
    schema_at: tuple  # the schema it must satisfy
    value: Any


_SUBSCHEMA = ("items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames",
              "unevaluatedItems", "unevaluatedProperties")
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SUBSCHEMA_MAPS = ("properties", "patternProperties", "$defs", "dependentSchemas")


def subschemas(schema: Any, at: tuple) -> Iterator[tuple[tuple, dict]]:
    """A schema and every schema inside it, walked by keyword (a property named `examples` is no keyword)."""
    if not isinstance(schema, dict):
        return
    yield at, schema
    for key in _SUBSCHEMA:
        yield from subschemas(schema.get(key), at + (key,))
    for key in _SUBSCHEMA_LISTS:
        for i, sub in enumerate(schema.get(key) or []):
            yield from subschemas(sub, at + (key, i))
    for key in _SUBSCHEMA_MAPS:
        for name, sub in (schema.get(key) or {}).items():
            yield from subschemas(sub, at + (key, name))


def _content_sites(holder: Any, at: tuple) -> Iterator[tuple[tuple, dict]]:
    if isinstance(holder, dict):
        for media, obj in (holder.get("content") or {}).items():
            yield at + ("content", media), obj


def _parameter_sites(params: Any, at: tuple) -> Iterator[tuple[tuple, dict]]:
    for i, param in enumerate(params or []):
        if "$ref" not in param:
            yield at + (i,), param
            yield from _content_sites(param, at + (i,))


def _response_sites(response: dict, at: tuple) -> Iterator[tuple[tuple, dict]]:
    yield from _content_sites(response, at)
    for name, header in (response.get("headers") or {}).items():
        if "$ref" not in header:
            yield at + ("headers", name), header


def example_sites(raw: dict) -> Iterator[tuple[tuple, dict]]:
    """Every media type, parameter and header object written in the document (refs are checked where they point)."""
    comps = raw.get("components") or {}
    for name, param in (comps.get("parameters") or {}).items():
        yield ("components", "parameters", name), param
        yield from _content_sites(param, ("components", "parameters", name))
    for name, header in (comps.get("headers") or {}).items():
        yield ("components", "headers", name), header
    for name, response in (comps.get("responses") or {}).items():
        yield from _response_sites(response, ("components", "responses", name))
    for name, body in (comps.get("requestBodies") or {}).items():
        yield from _content_sites(body, ("components", "requestBodies", name))
    for section in ("paths", "webhooks"):
        for path, item in (raw.get(section) or {}).items():
            yield from _parameter_sites(item.get("parameters"), (section, path, "parameters"))
            for method in METHODS:
                op = item.get(method)
                if not isinstance(op, dict):
                    continue
                at = (section, path, method)
                yield from _parameter_sites(op.get("parameters"), at + ("parameters",))
                yield from _content_sites(op.get("requestBody"), at + ("requestBody",))
                for status, response in (op.get("responses") or {}).items():
                    if "$ref" not in response:
                        yield from _response_sites(response, at + ("responses", status))


def collect_examples(raw: dict) -> list[Example]:
    found = []
    roots = [(("components", "schemas", name), schema) for name, schema in
             ((raw.get("components") or {}).get("schemas") or {}).items()]
    for at, site in example_sites(raw):
        if "schema" not in site:
            continue
        roots.append((at + ("schema",), site["schema"]))
        if "example" in site:
            found.append(Example(at + ("example",), at + ("schema",), site["example"]))
        for name, example in (site.get("examples") or {}).items():
            example = lookup(raw, example["$ref"]) if "$ref" in example else example
            if "value" in example:
                found.append(Example(at + ("examples", name), at + ("schema",), example["value"]))
    for root_at, root in roots:
        for at, schema in subschemas(root, root_at):
            if "example" in schema:
                found.append(Example(at + ("example",), at, schema["example"]))
            for i, value in enumerate(schema.get("examples") or []):
                found.append(Example(at + ("examples", i), at, value))
    return found


@each_spec
def test_examples_fit_their_schemas(spec):
    raw = raw_document(spec)
    base = "urn:contract:" + spec.name
    registry = Registry().with_resource(base, DRAFT202012.create_resource(raw))  # so every $ref resolves
    validators: dict[tuple, Draft202012Validator] = {}
    examples = collect_examples(raw)
    problems = []
    for example in examples:
        if example.schema_at not in validators:
            validators[example.schema_at] = Draft202012Validator(
                {"$ref": f"{base}#{pointer(example.schema_at)}"}, registry=registry,
                format_checker=Draft202012Validator.FORMAT_CHECKER)
        for error in validators[example.schema_at].iter_errors(example.value):
            inside = "/".join(map(str, error.absolute_path))
            problems.append(f"{dotted(example.at)}{' at ' + inside if inside else ''}: {error.message[:240]}")
    print(f"{spec.name}: {len(examples)} examples validated")
    assert examples, f"{spec.name} has no examples"
    assert not problems, offenders(f"of {len(examples)} examples do not fit their schema", problems)


# -- 4. operations are complete; refs resolve --------------------------------------------------------------------

@each_spec
def test_operations_are_complete(spec):
    raw = raw_document(spec)
    resolver = RefResolver(raw)
    declared_tags = {t.get("name") for t in raw.get("tags") or []}
    problems = []
    owners: dict[str, str] = {}
    for method, path, op in raw_operations(raw):
        name = f"{method.upper()} {path}"
        oid = op.get("operationId")
        if not oid:
            problems.append(f"{name}: no operationId")
        elif oid in owners:
            problems.append(f"{name}: operationId {oid} is also {owners[oid]}'s")
        else:
            owners[oid] = name
        tags = op.get("tags") or []
        if not tags:
            problems.append(f"{name}: no tag")
        problems += [f"{name}: tag {t!r} is not declared in the root tags" for t in tags if t not in declared_tags]
        if not str(op.get("summary") or "").strip():
            problems.append(f"{name}: no summary")
        try:
            responses = resolver.resolve(op.get("responses") or {})
        except (KeyError, IndexError, TypeError, ValueError):
            problems.append(f"{name}: its responses hold a $ref that points at nothing")
            continue
        success = {str(s): r for s, r in responses.items() if str(s).startswith("2")}
        with_schema = [s for s, r in success.items()
                       if r.get("content") and all("schema" in m for m in r["content"].values())]
        if not success:
            problems.append(f"{name}: no 2xx response")
        elif not with_schema and not set(success) <= {"204", "205"}:
            problems.append(f"{name}: no 2xx response with a schema ({', '.join(success)})")
    assert not problems, offenders("incomplete operations", problems)


def refs(node: Any, at: tuple = ()) -> Iterator[tuple[tuple, str]]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield at, node["$ref"]
        for key, value in node.items():
            yield from refs(value, at + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from refs(value, at + (i,))


@each_spec
def test_every_ref_resolves(spec):
    raw = raw_document(spec)
    problems = []
    for at, ref in refs(raw):
        if not ref.startswith("#"):
            problems.append(f"{dotted(at)}: {ref} is not a local $ref (the mock reads one self-contained document)")
            continue
        try:
            lookup(raw, ref)
        except (KeyError, IndexError, TypeError, ValueError):
            problems.append(f"{dotted(at)}: {ref} points at nothing")
    assert not problems, offenders("unresolvable $refs", problems)


# -- 5. behaviour declarations -----------------------------------------------------------------------------------

@each_spec
def test_declarations_follow_the_vocabulary(spec):
    """spec/extensions.schema.json, and every resource an operation or a parent names is declared."""
    try:
        declarations(spec)
    except DeclarationError as exc:
        pytest.fail(str(exc), pytrace=False)


def _fields(resource: ResourceDecl) -> set[str]:
    return set((resource.schema.get("properties") or {}).keys())


def _resource_problems(resources: dict[str, ResourceDecl]) -> Iterator[str]:
    for res in resources.values():
        named = {"key": res.key, "trash.field": res.trash_field, "expires.field": res.expires and res.expires[0],
                 "parent.field": res.parent and res.parent[1], **{f"fixture-values.{k}": k for k in res.fixture_values}}
        for what, name in named.items():
            if name and name not in _fields(res):
                yield f"x-mock-resources.{res.name}.{what}: {name!r} is not a field of {res.schema_ref}"


def _operation_problems(doc: SpecDocument, op: Operation, decl: OperationDecl,
                        resources: dict[str, ResourceDecl]) -> Iterator[str]:
    binding = decl.binding
    if binding:
        for what, param in (("id-param", binding.id_param), ("parent-param", binding.parent_param)):
            if param and param not in op.path_params:
                yield f"{label(op)}: x-mock-resource.{what} {param!r} is not a path parameter"
        fields = _fields(resources[binding.resource])
        yield from (f"{label(op)}: x-mock-resource.set writes {k!r}, no field of {binding.resource}"
                    for k in binding.set if k not in fields)
        if binding.link and binding.link[1] not in fields:
            yield f"{label(op)}: x-mock-resource.link.field {binding.link[1]!r} is no field of {binding.resource}"
    if decl.preconditions and not (binding and binding.id_param):
        yield f"{label(op)}: x-mock-preconditions need a record, but x-mock-resource has no id-param"
    for rule in decl.preconditions:
        if binding and rule.field not in _fields(resources[binding.resource]):
            yield f"{label(op)}: x-mock-preconditions test {rule.field!r}, no field of {binding.resource}"
    if decl.throttle:
        yield from (f"{label(op)}: x-mock-throttle key {part} names no path parameter"
                    for part in decl.throttle.key if part.startswith("path.") and part[5:] not in op.path_params)
    if decl.job:
        fields = _fields(resources[decl.job.resource])
        if decl.job.poll and decl.job.poll not in doc.operations:
            yield f"{label(op)}: x-mock-job.poll {decl.job.poll!r} is no operationId"
        written = [decl.job.field, *decl.job.fill, *decl.job.fail_fill]
        yield from (f"{label(op)}: x-mock-job writes {k!r}, no field of {decl.job.resource}" for k in written
                    if k not in fields)
        for rule in decl.job.spawn:
            child_fields = _fields(resources[rule["resource"]])
            yield from (f"{label(op)}: x-mock-job.spawn writes {k!r}, no field of {rule['resource']}"
                        for k in [rule["field"], *(rule.get("values") or {})] if k not in child_fields)


@each_spec
def test_declarations_name_what_exists(spec):
    """Parameters, fields and operations that declarations name exist (the vocabulary schema cannot see that)."""
    doc = document(spec)
    resources, decls = declarations(spec)
    problems = list(_resource_problems(resources))
    for oid, op in doc.operations.items():
        problems += _operation_problems(doc, op, decls[oid], resources)
    assert not problems, offenders("declarations naming nothing", problems)


# -- 6. every answer the engine can give is documented -----------------------------------------------------------

@dataclass(frozen=True)
class Answer:
    status: int
    code: str | None
    why: str


def _lookup_refusals(resource: ResourceDecl, why: str) -> list[Answer]:
    """What engine.lookup answers for an unknown, foreign or expired record."""
    out = [Answer(resource.missing.status, resource.missing.code, f"{why}: unknown id")]
    if resource.scope == "team":
        out.append(Answer(resource.foreign.status, resource.foreign.code, f"{why}: another team's record"))
    if resource.expires:
        out.append(Answer(resource.expires[1].status, resource.expires[1].code, f"{why}: expired record"))
    return out


def _validation_answers(op: Operation, decl: OperationDecl) -> list[Answer]:
    """http.validation_reply: the declared status when documented, else 422, else 400; a code per failing field."""
    inputs = [p for p in op.spec.get("parameters", []) if p.get("in") in ("query", "header", "cookie")]
    if not op.spec.get("requestBody") and not inputs:
        return []
    wanted = decl.validation.status
    status = next((s for s in (wanted, 422, 400) if str(s) in op.responses), wanted)
    codes = sorted(set(decl.validation.codes.values()) | ({decl.validation.default} - {None}))
    return [Answer(status, None, "invalid request")] + [Answer(status, c, "x-mock-validation") for c in codes]


def engine_answers(doc: SpecDocument, op: Operation, decl: OperationDecl,
                   resources: dict[str, ResourceDecl]) -> list[Answer]:
    answers = []
    security = op.raw.get("security", doc.raw.get("security"))
    if security and {} not in security:  # an empty requirement lets callers without a token in (the wiki)
        answers.append(Answer(401, None, "secured operation, no or unknown token"))
    if decl.admin:
        answers.append(Answer(403, None, "x-mock-admin, caller is no admin"))
    if decl.throttle:
        answers.append(Answer(429, decl.throttle.code, "x-mock-throttle"))  # x-mock-throttle.code, default rate_limited
    if op.path_params:
        answers.append(Answer(404, None, "path parameter that fits no record"))
    binding = decl.binding
    if binding and binding.id_param:
        answers += _lookup_refusals(resources[binding.resource], f"x-mock-resource {binding.resource}")
        answers += [Answer(r.refuse.status, r.refuse.code, f"x-mock-preconditions {r.field}")
                    for r in decl.preconditions]
    if binding and binding.parent_param:
        parent = binding.link or resources[binding.resource].parent
        name = parent[0] if parent else binding.resource
        answers += _lookup_refusals(resources[name], f"parent {name}")
    if binding and binding.select:
        none = binding.select.get("none") or {"status": 404}
        answers.append(Answer(none["status"], none.get("code"), "x-mock-resource.select finds no record"))
    answers += [Answer(r.refuse.status, r.refuse.code, f"x-mock-references {r.field}: no such {r.resource}")
                for r in decl.references]
    if decl.credits and op.raw["x-mock-credits"]["cost"] != 0:
        answers.append(Answer(402, "insufficient_credits", "x-mock-credits, balance too low"))
    return answers + _validation_answers(op, decl)


def _codes_in(value: Any) -> Iterator[str]:
    """Refusal codes a body carries: `{error: "code"}`, `{error: {code}}` or `{code}`."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in ("code", "error") and isinstance(inner, str):
                yield inner
            elif key == "error":
                yield from _codes_in(inner)


def _code_enum(schema: Any) -> set[str] | None:
    """The codes a response schema allows (None when it does not restrict them)."""
    schema = merge_all_of(schema)
    if not isinstance(schema, dict):
        return None
    found: set[str] | None = None
    for branch in (schema.get("anyOf") or []) + (schema.get("oneOf") or []):
        sub = _code_enum(branch)
        if sub is not None:
            found = (found or set()) | sub
    props = schema.get("properties") or {}
    error = merge_all_of(props.get("error"))
    inner = (error.get("properties") or {}).get("code") if isinstance(error, dict) else None
    for node in (props.get("code"), error, inner):
        node = merge_all_of(node)
        if isinstance(node, dict) and "enum" in node:
            found = (found or set()) | {v for v in node["enum"] if isinstance(v, str)}
    return found


def code_problem(response: dict, code: str) -> str | None:
    media, obj = primary_media(response)
    if media is None:
        return "the response has no body to carry it"
    allowed = _code_enum(obj.get("schema"))
    if allowed is not None:
        return None if code in allowed else f"the schema's code enum {sorted(allowed)} lacks it"
    shown = set(obj.get("examples") or {}) | set(_codes_in(obj.get("example")))
    for example in (obj.get("examples") or {}).values():
        shown |= set(_codes_in(example.get("value")))
    return None if code in shown else "no example shows it and the schema does not enumerate codes"


def _has_headers(response: dict, names: tuple[str, ...]) -> list[str]:
    present = {h.lower() for h in response.get("headers") or {}}
    return [n for n in names if n.lower() not in present]


@each_spec
def test_every_engine_answer_is_documented(spec):
    """Each refusal the engine derives from the declarations (engine_answers) has its documented response, carrying
    its code; throttled operations document their rate-limit headers."""
    doc = document(spec)
    resources, decls = declarations(spec)
    problems = []
    checked = 0
    for oid, op in doc.operations.items():
        decl = decls[oid]
        for answer in engine_answers(doc, op, decl, resources):
            checked += 1
            response = find_response(op, answer.status)
            what = f"{label(op)}: {answer.status}{' ' + answer.code if answer.code else ''} ({answer.why})"
            if response is None:
                problems.append(f"{what}: status not documented")
                continue
            problem = code_problem(response, answer.code) if answer.code else None
            if problem:
                problems.append(f"{what}: code not documented, {problem}")
            if answer.status == 429 and _has_headers(response, ("Retry-After",)):
                problems.append(f"{what}: no Retry-After header")
        if decl.throttle:
            for status, response in op.responses.items():
                missing = _has_headers(response, RATE_LIMIT_HEADERS) if str(status).startswith("2") else []
                if missing:
                    problems.append(f"{label(op)}: {status} of a throttled operation lacks {', '.join(missing)}")
    assert checked, "no engine answers derived"
    assert not problems, offenders("engine answers the operation does not document", problems)


# -- 7. error responses carry examples ---------------------------------------------------------------------------

@each_spec
def test_error_responses_have_examples(spec):
    """The mock answers an error with the example named after its code (else the first), so there must be one."""
    problems = []
    for op in document(spec).operations.values():
        for status, response in op.responses.items():
            if str(status)[0] not in "45":
                continue
            for media, obj in (response.get("content") or {}).items():
                if "json" in media and not obj.get("examples"):
                    problems.append(f"{label(op)}: {status} {media} has no examples")
    assert not problems, offenders("error responses without examples", problems)


# -- 8. documented credit costs, throttles and jobs (main spec) --------------------------------------------------

# (cost, deferred) of every operation whose reference row (003, line given) or prose names a credit cost.
DOCUMENTED_CREDITS: dict[tuple[str, str], tuple[Any, Any]] = {
    ("POST", "/tracking-projects/{id}/generate-report"): (10, None),  # l.755, 000
    ("POST", "/tracking-projects/{id}/insights/platform-gap/{platform}/diagnose"): (1, None),  # l.84
    ("POST", "/tracking-projects/{id}/prompts/{prompt}/generate-brief"): (3, None),  # l.86
    ("POST", "/prompt-check"): ("len(body.platforms)", None),  # l.105: 1 per platform × mode
    ("POST", "/prompt-check/{id}/rerun"): ("len(record.platforms)", None),  # l.107: of the stored run
    ("POST", "/articles/{id}/generate"): (5, None),  # l.135
    ("POST", "/articles/{id}/repurpose"): (3, None),  # l.137
    ("POST", "/projects/{project}/internal-links/analyze"): (5, None),  # l.159
    ("POST", "/generate/article"): (5, None),  # l.166
    ("POST", "/generate/image"): (5, None),  # l.167
    ("POST", "/explorer"): (50, None),  # l.188
    ("GET", "/explorer/{keyword}"): ("50 if query.cache == false else 0", None),  # l.189: 0 / 50 with cache=false
    ("GET", "/explorer/{keyword}/related"): ("50 if query.cache == false else 0", None),  # l.190
    ("POST", "/keywords/research"): (5, None),  # l.286
    ("POST", "/keywords/{id}/expand"): (10, None),  # l.287
    ("POST", "/projects/{project}/style-profiles/from-url"): (25, None),  # l.310
    ("POST", "/knowledge-base/url"): (5, None),  # l.321
    ("POST", "/images/{id}/edit"): (10, None),  # l.372
    ("POST", "/agentic/chat"): (0, None),  # l.395: "varies (depends on tools used by the agent)", nothing up front
    ("POST", "/ai-scanner/detect"): (2, None),  # l.419
    ("POST", "/ai-scanner/humanize"): (5, None),  # l.420
    ("POST", "/humanize"): (8, None),  # l.426
    ("POST", "/content-optimizer/analyze"): (5, None),  # l.434
    ("POST", "/content-optimizer/{id}/apply"): (5, None),  # l.435
    ("POST", "/content-optimizer/optimizations/{id}/apply"): (5, None),  # l.435 (alias)
    ("POST", "/competitor-analyses"): (20, None),  # l.460
    ("POST", "/content-audits"): (10, None),  # l.472
    ("POST", "/community/scan"): (5, None),  # l.522
    ("POST", "/bulk-generations"): (15, None),  # l.544
    ("POST", "/pipelines"): (20, None),  # l.558
    ("POST", "/google/gsc/properties/{p}/sync"): (1, None),  # l.598
    ("POST", "/page-audit"): (30, "15 * 3"),  # l.664: 30 + up to 3×15 renders
    ("POST", "/grounding/analyze"): (1, None),  # l.1250
    ("POST", "/grounding/batch"): ("len(body.urls)", None),  # l.1253: url_count
    ("POST", "/grounding/sitemap-audit"): (0, "record.total"),  # l.1256: url_count_after_parse, after the parse
}

# (limit, window seconds, key) of every documented throttle; counters are per token (l.1156).
DOCUMENTED_THROTTLES: dict[tuple[str, str], tuple[int, int, list[str]]] = {
    ("POST", "/tracking-projects/{id}/generate-report"): (1, 1800, ["path.id"]),  # l.755, 000 l.19: 1/30 min/project
    ("PATCH", "/site-audit/{crawl}/issues/bulk"): (30, 60, ["token"]),  # l.213
    ("PATCH", "/content-audits/{id}/pages/bulk"): (30, 60, ["token"]),  # l.498
    ("POST", "/grounding/analyze"): (30, 60, ["token"]),  # l.1160
    ("POST", "/grounding/batch"): (5, 60, ["token"]),
    ("POST", "/grounding/sitemap-audit"): (5, 60, ["token"]),
    ("GET", "/grounding/audits/{id}"): (120, 60, ["token"]),
    ("GET", "/grounding/batches/{id}"): (120, 60, ["token"]),
    ("GET", "/grounding/audits"): (60, 60, ["token"]),
    ("GET", "/grounding/batches/{id}/results.ndjson"): (30, 60, ["token"]),
    ("GET", "/agentic/sessions/{session}"): (120, 60, ["token"]),
}


def _table_differences(title: str, expected: dict, declared: dict) -> list[str]:
    out = [f"{m} {p}: documented {title} {expected[m, p]} not declared" for m, p in expected.keys() - declared.keys()]
    out += [f"{m} {p}: declares {title} {declared[m, p]}, the docs name none"
            for m, p in declared.keys() - expected.keys()]
    out += [f"{m} {p}: declares {title} {declared[m, p]}, the docs say {expected[m, p]}"
            for m, p in expected.keys() & declared.keys() if expected[m, p] != declared[m, p]]
    return sorted(out)


def test_credit_costs_are_the_documented_ones():
    declared = {(m.upper(), p): (op["x-mock-credits"]["cost"], op["x-mock-credits"].get("deferred"))
                for m, p, op in raw_operations(raw_document(MAIN)) if "x-mock-credits" in op}
    print(f"x-mock-credits: {len(declared)} operations")
    problems = _table_differences("credits", DOCUMENTED_CREDITS, declared)
    assert not problems, offenders("credit declarations differ from the docs", problems)


def test_throttles_are_the_documented_ones():
    declared = {(m.upper(), p): (op["x-mock-throttle"]["limit"], op["x-mock-throttle"]["window"],
                                 op["x-mock-throttle"].get("key", ["token"]))
                for m, p, op in raw_operations(raw_document(MAIN)) if "x-mock-throttle" in op}
    print(f"x-mock-throttle: {len(declared)} operations")
    problems = _table_differences("throttle", DOCUMENTED_THROTTLES, declared)
    assert len(DOCUMENTED_THROTTLES) == 11
    assert not problems, offenders("throttle declarations differ from the docs", problems)


def test_async_jobs_are_declared():
    """Job dispatches move a record through states the client polls; the mock simulates at least 25 of them."""
    doc = document(MAIN)
    _, decls = declarations(MAIN)
    jobs = [oid for oid, decl in decls.items() if decl.job]
    print(f"x-mock-job: {len(jobs)} operations")
    not_accepted = [label(doc.operations[oid]) for oid in jobs if "202" not in doc.operations[oid].responses]
    assert len(jobs) >= 25, f"only {len(jobs)} operations declare x-mock-job"
    assert not not_accepted, offenders("job dispatches without a documented 202 Accepted", not_accepted)


# -- 10. Spectral -------------------------------------------------------------------------------------------------

def test_spectral_reports_no_errors():
    """`make lint` over every spec; installs the pinned Spectral the first time (so npm must be there)."""
    done = subprocess.run([sys.executable, "-m", "conformance.lint", *map(str, SPECS)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"lint exited {done.returncode}:\n{done.stdout[-6000:]}\n{done.stderr[-3000:]}"
