"""Acceptance: the server takes every request the docs call valid, sent in a state where they promise success.
The other checks prove that bad input is refused; this one proves good input is not. Per operation a few
variants: the minimal request, the body left out where it is optional, each optional query parameter and header
with each of its documented values (every enum value, the bounds, a valid value of its format), all optional
parameters at once, and each enum value of a top-level body field. A variant a response selector
(`x-mock-respond`) names must get the status it declares.

The state is one the docs promise success in: path ids and referenced ids are the caller's own records
(discovery), chosen among them to meet the operation's declared preconditions (read back first), a
destructive call acts once, on a record made for it, credited calls only where the run may
spend (within --max-credits), throttled calls at most the declared limit per window (the mock's clock jumps a
window ahead; elsewhere only the minimal request is sent). An answer a declared precondition explains (the
record is in a state the operation refuses) is a skip, not a finding.

A refusal (4xx) is a finding graded by where the fact comes from: refusing what the docs document is an error,
refusing what the contract only assumes a warning."""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from contract import Provenance, merge_all_of

from ..requestgen import PreparedRequest, param_value
from ..target import Exchange
from .context import Context
from .names import ACCEPTANCE
from .registry import check

MAX_VARIANTS = 16  # per operation: every documented value of a typical operation, CI-sized overall
BOUND_KEYWORDS = ("minimum", "maximum")
PRECONDITION_CANDIDATES = 5  # records read to find one in the state an operation needs
FORMAT_EXAMPLES = {"uri": "https://example.com/page", "email": "someone@example.com", "date": "2026-01-15",
                   "date-time": "2026-01-15T10:00:00Z", "uuid": "123e4567-e89b-12d3-a456-426614174000"}


@dataclass(frozen=True)
class Variant:
    label: str
    request: PreparedRequest
    provenance: Provenance | None
    expect: int | None = None  # the status a response selector declares for it


def _grade(provenance: Provenance | None) -> str:
    if provenance is None or provenance.documented:
        return "error: refuses a documented request" if provenance else "error: refuses a valid request"
    return "warning: refuses a request the contract assumes valid"


def _param_values(schema: dict[str, Any], param: dict[str, Any], ctx: Context, oid: str,
                  where: str) -> list[tuple[str, Any, Provenance | None]]:
    """(label, value, provenance) for each documented value of one parameter: enum values, bounds, a format's
    valid value, else one valid value."""
    prov = ctx.catalog.provenance
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        source = prov.constraint(oid, where, "", "enum") or prov.parameter(oid, param["name"], param["in"])
        return [(f"{param['name']}={value}", value, source) for value in enum if value is not None]
    out = []
    for keyword in BOUND_KEYWORDS:
        if isinstance(schema.get(keyword), (int, float)) and not isinstance(schema.get(keyword), bool):
            out.append((f"{param['name']}={schema[keyword]} ({keyword})", schema[keyword],
                        prov.constraint(oid, where, "", keyword)))
    if out:
        return out
    value = FORMAT_EXAMPLES.get(schema.get("format", "")) if schema.get("type") == "string" else None
    if value is None:
        value = param_value(param, ctx.known.gen)
    return [(f"{param['name']}={value}", value, prov.parameter(oid, param["name"], param["in"]))]


def _with_params(base: PreparedRequest, params: list[tuple[dict[str, Any], Any]]) -> PreparedRequest:
    query: list[tuple[str, str]] = []
    headers = dict(base.headers)
    for param, value in params:
        if param["in"] == "header":
            headers[param["name"]] = _text(value)
        else:
            values = value if isinstance(value, list) else [value]
            query.extend((param["name"], _text(v)) for v in values)
    path = base.path
    if query:
        path += ("&" if "?" in path else "?") + urlencode(query)
    return replace(base, path=path, headers=headers, json=copy.deepcopy(base.json))


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def variants(ctx: Context, oid: str, base: PreparedRequest) -> list[Variant]:
    """The valid requests sent for `oid`, at most MAX_VARIANTS, the minimal one first."""
    op = ctx.catalog.ops[oid]
    prov = ctx.catalog.provenance
    out = [Variant("the minimal request", base, prov.operation(oid))]
    body = op.spec.get("requestBody")
    if body and not body.get("required") and (base.json is not None or base.data is not None):
        out.append(Variant("the optional body left out", replace(base, json=None, data=None, files=None),
                           prov.operation(oid)))
    optional = [p for p in op.spec.get("parameters", [])
                if p.get("in") in ("query", "header") and not p.get("required")]
    per_param = [(p, _param_values(merge_all_of(p.get("schema") or {}), p, ctx, oid, f"{p['in']} {p['name']}"))
                 for p in optional]
    for selector in ctx.catalog.decls[oid].responds:
        param = next((p for p in optional if p["name"] == selector.param), None)
        if param is not None:
            out.append(Variant(f"{selector.param}={_text(selector.equals)} (declared {selector.status})",
                               _with_params(base, [(param, selector.equals)]),
                               prov.parameter(oid, param["name"], param["in"]), selector.status))
    if len(per_param) > 1:
        together = [(p, values[0][1]) for p, values in per_param]
        out.append(Variant("every optional parameter at once", _with_params(base, together),
                           prov.operation(oid)))
    # each value of each parameter, round-robin so every parameter is sent before any gets its second value
    rounds = max((len(values) for _, values in per_param), default=0)
    for index in range(rounds):
        for param, values in per_param:
            if index < len(values):
                label, value, source = values[index]
                out.append(Variant(label, _with_params(base, [(param, value)]), source))
    out.extend(_body_enums(ctx, oid, base))
    return out[:MAX_VARIANTS]


def _body_enums(ctx: Context, oid: str, base: PreparedRequest) -> list[Variant]:
    if not isinstance(base.json, dict):
        return []
    media = (ctx.catalog.ops[oid].spec.get("requestBody") or {}).get("content") or {}
    json_media = next((m for m in media if "json" in m), None)
    schema = merge_all_of((media.get(json_media) or {}).get("schema") or {}) if json_media else {}
    out = []
    for name, sub in (schema.get("properties") or {}).items():
        enum = merge_all_of(sub).get("enum") if isinstance(sub, dict) else None
        if not isinstance(enum, list) or name not in base.json:
            continue
        source = ctx.catalog.provenance.constraint(oid, "body", f"/{name}", "enum")
        for value in enum:
            if value is not None and value != base.json[name]:
                out.append(Variant(f"body {name}={value}", replace(base, json={**base.json, name: value}),
                                   source))
    return out


def _owned_references(ctx: Context, oid: str, request: PreparedRequest) -> PreparedRequest:
    """The request with every id the body references naming one of the caller's records; an optional reference
    the run knows no record for is left out (a new agentic session, not a made-up one)."""
    if not isinstance(request.json, dict):
        return request
    body = dict(request.json)
    for ref in ctx.catalog.decls[oid].references:
        if ref.field in body:
            owned = ctx.known.ids(ref.resource)
            if owned:
                body[ref.field] = owned[0]
            elif ref.optional:
                del body[ref.field]
    return replace(request, json=body)


def _names_a_record(ctx: Context, oid: str, name: str) -> bool:
    """A path parameter naming a record (the bound id or parent, an integer or uuid): only discovery knows one
    of the caller's; a made-up one is rightly refused."""
    binding = ctx.catalog.decls[oid].binding
    if binding is not None and name in (binding.id_param, binding.parent_param):
        return True
    param = next(p for p in ctx.catalog.ops[oid].spec.get("parameters", []) if p.get("name") == name)
    schema = merge_all_of(param.get("schema") or {})
    return "enum" not in schema and (schema.get("type") == "integer" or schema.get("format") == "uuid")


def _preconditions_met(ctx: Context, oid: str, values: dict[str, Any]) -> bool:
    """Aim `values` at a record of the caller's that meets the operation's declared preconditions (the one
    chosen, else another the run knows, read back first); False when none does."""
    decl = ctx.catalog.decls[oid]
    binding = decl.binding
    if not decl.preconditions or binding is None or binding.id_param not in values:
        return True
    reader = ctx.catalog.reader(binding.resource)
    if reader is None:
        return True  # nothing to read the state with: the answer tells
    chosen = values[binding.id_param]
    destroys = ctx.gates.destroys(ctx.catalog, oid)
    others = [key for key in ctx.known.ids(binding.resource)[:PRECONDITION_CANDIDATES] if key != chosen
              and (not destroys or ctx.gates.on_mock or ctx.known.made_by_run(binding.resource, key))]
    for key in [chosen, *others]:
        answer = ctx.known.send(reader, ctx.known.name_record(reader, {}, binding.resource, key))
        body = answer.json()
        record = body.get("data") if isinstance(body, dict) and isinstance(body.get("data"), dict) else body
        if answer.ok and isinstance(record, dict) and all(pre.holds(record) for pre in decl.preconditions):
            ctx.known.name_record(oid, values, binding.resource, key)
            return True
    return False


def _explained(ctx: Context, oid: str, exchange: Exchange) -> bool:
    """The refusal is one a declared precondition gives (its status, and its code where it declares one, in
    whichever envelope the API uses): the record's state, not the request, is refused."""
    text = json.dumps(exchange.json())
    return any(pre.refuse.status == exchange.status and (pre.refuse.code is None or f'"{pre.refuse.code}"' in text)
               for pre in ctx.catalog.decls[oid].preconditions)


def _values_for(ctx: Context, oid: str) -> dict[str, Any] | None:
    """Path values naming the caller's records; a record made for the call when it destroys one (None: the
    run may not destroy any)."""
    binding = ctx.catalog.decls[oid].binding
    values = ctx.known.path_values(oid, last=ctx.gates.destroys(ctx.catalog, oid))
    if not ctx.gates.destroys(ctx.catalog, oid) or binding is None or not binding.id_param:
        return values
    creator = ctx.catalog.creator(binding.resource)
    fresh = ctx.known.create(creator) if creator and not ctx.blocked(creator) else None
    if fresh is None:
        return values if ctx.gates.on_mock else None
    return ctx.known.name_record(oid, values, binding.resource, fresh)


@check(ACCEPTANCE, "every request the docs call valid is served, in a state where they promise success",
       lambda ctx, oid: not ctx.catalog.decls[oid].admin, concurrent=False)
def acceptance(ctx: Context, oid: str) -> None:
    if ctx.skip_if_blocked(oid, ACCEPTANCE):
        return
    if not ctx.catalog.uses_bearer(oid):
        ctx.results.skipped(oid, ACCEPTANCE, "its callers authenticate otherwise than with the run's token")
        return
    values = _values_for(ctx, oid)
    if values is None:
        ctx.results.skipped(oid, ACCEPTANCE, "would delete a record the run did not create")
        return
    unnamed = [p for p in ctx.catalog.ops[oid].path_params if p not in values and _names_a_record(ctx, oid, p)]
    if unnamed:
        ctx.results.skipped(oid, ACCEPTANCE, f"no record of the caller's to name in {', '.join(unnamed)}")
        return
    if not _preconditions_met(ctx, oid, values):
        ctx.results.skipped(oid, ACCEPTANCE, "no record of the caller's meets the declared preconditions")
        return
    base = _owned_references(ctx, oid, ctx.known.request(oid, values))
    # a destroyed record is gone: one delete of a record made for it proves the call is taken
    todo = variants(ctx, oid, base)[:1] if ctx.gates.destroys(ctx.catalog, oid) else variants(ctx, oid, base)
    throttle = ctx.catalog.decls[oid].throttle
    if throttle is not None:
        if not ctx.gates.on_mock:
            todo = todo[:1]  # waiting out windows on a real server costs minutes
        ctx.target.patience.wait(throttle.window)  # start in a fresh window: earlier checks used this one
    refused = explained = 0
    for index, variant in enumerate(todo):
        if throttle is not None and index and index % throttle.limit == 0:
            ctx.target.patience.wait(throttle.window)
        exchange = ctx.known.send_request(oid, variant.request, "team")
        binding = ctx.catalog.decls[oid].binding
        if exchange.ok and ctx.gates.destroys(ctx.catalog, oid) and binding and binding.id_param in values:
            ctx.known.forget(binding.resource, values[binding.id_param])  # later operations must not aim at it
        if variant.expect is not None and exchange.status != variant.expect:
            refused += 1
            ctx.finding(oid, ACCEPTANCE, f"{_grade(variant.provenance).split(':')[0]}: {variant.label} answered "
                        f"{exchange.status}, not the declared {variant.expect}", exchange)
        elif 400 <= exchange.status < 500 and exchange.status != 429:
            if _explained(ctx, oid, exchange):
                explained += 1
                continue
            refused += 1
            ctx.finding(oid, ACCEPTANCE, f"{_grade(variant.provenance)}: {variant.label} answered "
                        f"{exchange.status}", exchange)
    if refused:
        return
    if explained == len(todo):
        ctx.results.skipped(oid, ACCEPTANCE, "every call met a declared precondition the records do not satisfy")
        return
    ctx.results.passed(oid, ACCEPTANCE)
