"""Reads the spec's `x-mock-` behaviour declarations into typed, immutable objects, once, with every default
applied here and nowhere else (the mock, the suite and the differ all read these objects, never the raw keys).

The JSON Schema of the vocabulary (spec/extensions.schema.json) is checked first, so a mistyped declaration
stops the server with the operation and the path of the mistake instead of misbehaving quietly. Extension keys
outside the `x-mock-` namespace belong to other tools (`x-swagger-router-controller`, `x-oaiMeta`, …) and are
ignored.
"""
from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # no stubs for the pinned 4.26

from ._document import Operation, SpecDocument
from ._expressions import Expression
from ._resources import spec_path

VOCABULARY = spec_path("extensions.schema.json")
NAMESPACE = "x-mock-"
OPERATION_KEYS = ("x-mock-resource", "x-mock-echo", "x-mock-preconditions", "x-mock-credits", "x-mock-throttle",
                  "x-mock-job", "x-mock-webhook", "x-mock-validation", "x-mock-admin", "x-mock-ledger",
                  "x-mock-references", "x-mock-respond", "x-mock-source", "x-mock-assumed")
ROOT_KEYS = ("x-mock-resources", "x-mock-validation", "x-mock-request-id", "x-mock-source", "x-mock-assumed")


class DeclarationError(ValueError):
    pass


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str | None = None


@dataclass(frozen=True)
class StateBound:
    """A field that has a value only while the record's `field` is one of `states` (`error_message` when failed)."""
    field: str
    states: tuple[Any, ...]


@dataclass(frozen=True)
class Coherence:
    """Where a record's field values come from (`x-mock-resources.<name>.coherence`), one mapping per kind: the
    engine keeps every record of the resource true to them, whatever wrote it (a create, a job, the fixtures)."""
    echo: dict[str, str] = dataclasses.field(default_factory=dict)  # field -> request body field
    refers: dict[str, str] = dataclasses.field(default_factory=dict)  # field -> resource
    state: dict[str, StateBound] = dataclasses.field(default_factory=dict)
    clock: tuple[str, ...] = ()  # timestamps in the order they happen

    @property
    def declared(self) -> int:
        return len(self.echo) + len(self.refers) + len(self.state) + len(self.clock)


@dataclass(frozen=True)
class ResourceDecl:
    name: str
    schema_ref: str
    schema: dict[str, Any]
    id_kind: str = "integer"
    key: str = "id"
    scope: str = "team"
    parent: tuple[str, str] | None = None  # (resource, field)
    foreign: Refusal = Refusal(403)
    missing: Refusal = Refusal(404)
    trash_field: str | None = None
    expires: tuple[str, Refusal] | None = None
    expires_ttl: float = 30 * 86400
    fixture_count: int = 2
    fixture_values: dict[str, Any] = dataclasses.field(default_factory=dict)
    fixture_sets: list[Any] | None = None  # one list of field values per parent record (see seeding.py)
    # field -> schema: stored beside the record, never answered
    internal: dict[str, Any] = dataclasses.field(default_factory=dict)
    coherence: Coherence = Coherence()


@dataclass(frozen=True)
class Binding:
    resource: str
    action: str
    id_param: str | None = None
    parent_param: str | None = None
    envelope: str | None = None
    pagination: dict[str, Any] | None = None
    trash: bool = False
    set: dict[str, Any] = dataclasses.field(default_factory=dict)
    response: dict[str, Any] | None = None
    headers: dict[str, Any] = dataclasses.field(default_factory=dict)
    link: tuple[str, str] | None = None  # (resource, field): list by another relation than the declared parent
    # list/select/aggregate: only records matching (selection.py)
    where: dict[str, Any] = dataclasses.field(default_factory=dict)
    search: dict[str, Any] | None = None  # {param, fields}: substring search of a list
    select: dict[str, Any] | None = None  # {rules: [{where, order}], none: refusal}
    # value templates written into the answered body
    response_set: dict[str, Any] = dataclasses.field(default_factory=dict)
    media: dict[str, Any] | None = None  # {field, map}: the record's field picks the response media type
    matches: dict[str, Any] | None = None  # bulk-update: {from: body field, rules: {key: {field, test, map, default}}}
    creates: tuple[Creates, ...] = ()


@dataclass(frozen=True)
class Creates:
    """One record of `resource` per item of the body list `each`, a child of the call's record (the wizard's
    keywords and prompts); `values` are templates over the call with `item` the list's item."""
    resource: str
    each: str
    values: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class Precondition:
    field: str
    test: str  # equals | in | not-in | is
    value: Any
    refuse: Refusal

    def holds(self, record: dict[str, Any]) -> bool:
        actual = record.get(self.field)
        if self.test == "equals":
            return bool(actual == self.value)
        if self.test == "in":
            return actual in self.value
        if self.test == "not-in":
            return actual not in self.value
        return (actual is not None) if self.value == "set" else (actual is None)


@dataclass(frozen=True)
class Credits:
    cost: Expression
    deferred: Expression | None = None
    note: str | None = None

    @property
    def spends(self) -> bool:
        """Whether a served call may cost anything (any declaration but a flat, undeferred 0)."""
        return self.cost.constant != 0 or self.deferred is not None

    @staticmethod
    def amount(expr: Expression, env: dict[str, Any]) -> int:
        """A credit expression's value over `env` (body, query, path, record): rounded up, never negative, and
        0 where it does not evaluate to a number."""
        try:
            return max(0, int(math.ceil(float(expr.evaluate(env) or 0))))
        except (TypeError, ValueError):
            return 0


@dataclass(frozen=True)
class ThrottleDecl:
    limit: int
    window: int
    key: tuple[str, ...] = ("token",)
    code: str = "rate_limited"  # the refusal code of the 429 (the API's own catalog may name it otherwise)


@dataclass(frozen=True)
class QueueDecl:
    waiting: str
    workers: int = 1
    priority_field: str | None = None
    order: list[Any] = dataclasses.field(default_factory=list)
    position_field: str | None = None
    eta_field: str | None = None


@dataclass(frozen=True)
class JobDecl:
    resource: str
    field: str
    states: list[Any]
    failure: str | None = None
    step_seconds: float = 2.0
    poll: str | None = None
    fill: dict[str, Any] = dataclasses.field(default_factory=dict)
    fail_fill: dict[str, Any] = dataclasses.field(default_factory=dict)
    spawn: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    queue: QueueDecl | None = None
    progress_field: str | None = None
    terminal: tuple[str, ...] = ()  # further documented end states the mock never enters (prompt check's partial)

    @property
    def ends(self) -> frozenset[Any]:
        """Every state that ends the job: the success state, the failure state and the declared `terminal` ones."""
        return frozenset([self.states[-1], *self.terminal] + ([self.failure] if self.failure is not None else []))

    @property
    def known_states(self) -> list[Any]:
        """Every state a poll may report, in order, failure and other end states last."""
        return list(self.states) + [s for s in (self.failure, *self.terminal) if s is not None]


@dataclass(frozen=True)
class Reference:
    """A request body field that names a record of another resource (`x-mock-references`)."""
    field: str
    resource: str
    refuse: Refusal
    where: dict[str, Any] = dataclasses.field(default_factory=dict)
    optional: bool = False


@dataclass(frozen=True)
class RequestIdDecl:
    header: str
    field: str | None = None


@dataclass(frozen=True)
class WebhookDecl:
    url_field: str
    secret_field: str
    signature_header: str
    id_header: str | None = None
    retry_seconds: tuple[float, ...] = ()
    state_field: str | None = None  # where the record shows how its callback's delivery went


@dataclass(frozen=True)
class ValidationDecl:
    status: int = 422
    codes: dict[str, Any] = dataclasses.field(default_factory=dict)
    default: str | None = None

    def status_of(self, op: Operation) -> int | None:
        """The documented status that answers invalid input to `op`: the declared one, else 422, else 400."""
        return next((s for s in (self.status, 422, 400) if str(s) in op.responses), None)

    def code_for(self, fields: Iterable[str]) -> str | None:
        """The code of the first invalid field: the most specific declaration that names it wins, so
        `urls.*: invalid_url` (a bad item) and `urls: too_many_urls` (the list itself) can both be declared."""
        for name in fields:
            for key in (name, re.sub(r"\.\d+(?=\.|$)", ".*", name), name.split(".")[0]):
                if key in self.codes:
                    return str(self.codes[key])
        return self.default


@dataclass(frozen=True)
class Respond:
    """`x-mock-respond`: a query parameter that selects another documented answer (`?wait_for_final=true`
    blocks until the job ends and answers 200 inline). `finish_job`: the operation's job reaches its end state
    before the answer; `set`: value templates written into the answered body."""
    param: str
    equals: Any
    status: int
    finish_job: bool = False
    set: dict[str, Any] = dataclasses.field(default_factory=dict)

    def selects(self, value: Any) -> bool:
        return bool(value == self.equals)


@dataclass(frozen=True)
class OperationDecl:
    binding: Binding | None = None
    preconditions: list[Precondition] = dataclasses.field(default_factory=list)
    credits: Credits | None = None
    throttle: ThrottleDecl | None = None
    job: JobDecl | None = None
    webhook: WebhookDecl | None = None
    validation: ValidationDecl = dataclasses.field(default_factory=ValidationDecl)
    admin: bool = False
    ledger: str | None = None
    references: list[Reference] = dataclasses.field(default_factory=list)
    echo: dict[str, Any] = dataclasses.field(default_factory=dict)  # answer field -> template over the request
    responds: list[Respond] = dataclasses.field(default_factory=list)


def _respond(raw: dict[str, Any]) -> Respond:
    return Respond(raw["when"]["query"], raw["when"]["equals"], int(raw["status"]),
                   bool(raw.get("finish-job")), raw.get("set") or {})


def _refusal(raw: dict[str, Any] | None, default: Refusal) -> Refusal:
    return Refusal(raw["status"], raw.get("code")) if raw else default


def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(VOCABULARY.read_text()))


def check_vocabulary(doc: SpecDocument) -> list[str]:
    """Every declaration that breaks the vocabulary's JSON Schema, as 'where: path: message'."""
    validator = _validator()
    problems = []
    root = {k: doc.raw[k] for k in ROOT_KEYS if k in doc.raw}
    for err in validator.iter_errors(root):
        problems.append(f"root: {err.json_path}: {err.message}")
    for op in doc.operations.values():
        decl = {k: v for k, v in op.raw.items() if k.startswith(NAMESPACE)}
        for key in decl:
            if key not in OPERATION_KEYS:
                problems.append(f"{op.operation_id}: unknown extension {key}")
        for err in validator.iter_errors(decl):
            problems.append(f"{op.operation_id}: {err.json_path}: {err.message}")
    return problems


def read_resources(doc: SpecDocument) -> dict[str, ResourceDecl]:
    out = {}
    for name, raw in (doc.raw.get("x-mock-resources") or {}).items():
        parent = raw.get("parent")
        expires = raw.get("expires")
        out[name] = ResourceDecl(
            name=name,
            schema_ref=raw["schema"],
            schema=doc.schema(raw["schema"]),
            id_kind=raw.get("id", "integer"),
            key=raw.get("key", "id"),
            scope=raw.get("scope", "team"),
            parent=(parent["resource"], parent["field"]) if parent else None,
            foreign=_refusal(raw.get("foreign"), Refusal(403)),
            missing=_refusal(raw.get("missing"), Refusal(404)),
            trash_field=(raw.get("trash") or {}).get("field"),
            expires=(expires["field"], Refusal(expires["status"], expires.get("code"))) if expires else None,
            expires_ttl=float((expires or {}).get("ttl-seconds", 30 * 86400)),
            fixture_count=(raw.get("fixtures") or {}).get("count", 2),
            fixture_values=raw.get("fixture-values") or {},
            fixture_sets=(raw.get("fixtures") or {}).get("sets"),
            internal=raw.get("internal") or {},
            coherence=_coherence(raw.get("coherence") or {}),
        )
    return out


def _coherence(raw: dict[str, Any]) -> Coherence:
    return Coherence(echo=dict(raw.get("echo") or {}), refers=dict(raw.get("refers") or {}),
                     state={name: StateBound(bound["field"], tuple(bound["in"]))
                            for name, bound in (raw.get("state") or {}).items()},
                     clock=tuple(raw.get("clock") or ()))


def read_operation(op: Operation, root_validation: dict[str, Any] | None) -> OperationDecl:
    raw = op.raw
    binding = None
    if "x-mock-resource" in raw:
        r = raw["x-mock-resource"]
        binding = Binding(r["name"], r["action"], r.get("id-param"), r.get("parent-param"), r.get("envelope"),
                          r.get("pagination"), bool(r.get("trash")), r.get("set") or {}, r.get("response"),
                          r.get("headers") or {},
                          (r["link"]["resource"], r["link"]["field"]) if "link" in r else None,
                          where=r.get("where") or {}, search=r.get("search"), select=r.get("select"),
                          response_set=r.get("response-set") or {}, media=r.get("media"),
                          matches=r.get("matches"),
                          creates=tuple(Creates(c["resource"], c["each"], c.get("values") or {})
                                        for c in r.get("creates") or ()))
    preconditions = []
    for p in raw.get("x-mock-preconditions") or []:
        test = next(t for t in ("equals", "in", "not-in", "is") if t in p)
        preconditions.append(Precondition(p["field"], test, p[test], _refusal(p["refuse"], Refusal(409))))
    credits = None
    if "x-mock-credits" in raw:
        c = raw["x-mock-credits"]
        credits = Credits(Expression(c["cost"]), Expression(c["deferred"]) if "deferred" in c else None,
                          c.get("note"))
    throttle = None
    if "x-mock-throttle" in raw:
        t = raw["x-mock-throttle"]
        throttle = ThrottleDecl(t["limit"], t["window"], tuple(t.get("key", ["token"])),
                                t.get("code", "rate_limited"))
    job = None
    if "x-mock-job" in raw:
        j = raw["x-mock-job"]
        job = JobDecl(j["resource"], j["field"], list(j["states"]), j.get("failure"),
                      float(j.get("step-seconds", 2)), j.get("poll"), j.get("fill") or {}, j.get("fail-fill") or {},
                      j.get("spawn") or [], _queue(j.get("queue")), j.get("progress-field"),
                      tuple(j.get("terminal") or ()))
    webhook = None
    if "x-mock-webhook" in raw:
        w = raw["x-mock-webhook"]
        webhook = WebhookDecl(w["url-field"], w["secret-field"], w["signature-header"], w.get("id-header"),
                              tuple(w.get("retry-seconds", ())), w.get("state-field"))
    v = raw.get("x-mock-validation") or root_validation or {}
    return OperationDecl(
        binding=binding, preconditions=preconditions, credits=credits, throttle=throttle, job=job, webhook=webhook,
        validation=ValidationDecl(v.get("status", 422), v.get("codes", {}), v.get("default")),
        admin=bool(raw.get("x-mock-admin")), ledger=raw.get("x-mock-ledger"),
        references=[Reference(r["field"], r["resource"], _refusal(r.get("refuse"), Refusal(404)),
                              r.get("where") or {}, bool(r.get("optional")))
                    for r in raw.get("x-mock-references") or []],
        echo=raw.get("x-mock-echo") or {}, responds=[_respond(r) for r in raw.get("x-mock-respond") or []])


def _coherence_problems(res: ResourceDecl, resources: dict[str, ResourceDecl]) -> list[str]:
    """A coherence declaration must name the record's own fields and declared resources."""
    where = f"x-mock-resources.{res.name}.coherence"
    props = res.schema.get("properties") or {}
    named = [*res.coherence.echo, *res.coherence.refers, *res.coherence.state, *res.coherence.clock]
    named += [bound.field for bound in res.coherence.state.values()]
    problems = [f"{where}: {name!r} is not a field of {res.schema_ref}" for name in named
                if name not in props and name not in res.internal]
    problems += [f"{where}.refers: {target!r} is not a declared resource"
                 for target in res.coherence.refers.values() if target not in resources]
    return problems


def _queue(raw: dict[str, Any] | None) -> QueueDecl | None:
    if not raw:
        return None
    return QueueDecl(raw["waiting"], int(raw.get("workers", 1)), raw.get("priority-field"),
                     list(raw.get("order") or []), raw.get("position-field"), raw.get("eta-field"))


def read_request_id(doc: SpecDocument) -> RequestIdDecl | None:
    raw = doc.raw.get("x-mock-request-id")
    return RequestIdDecl(raw["header"], raw.get("field")) if raw else None


def read_all(doc: SpecDocument) -> tuple[dict[str, ResourceDecl], dict[str, OperationDecl]]:
    problems = check_vocabulary(doc)
    resources = read_resources(doc)
    ops = {oid: read_operation(op, doc.raw.get("x-mock-validation")) for oid, op in doc.operations.items()}
    for oid, decl in ops.items():
        named = [decl.binding and decl.binding.resource, decl.job and decl.job.resource,
                 decl.binding and decl.binding.link and decl.binding.link[0]]
        named += [s["resource"] for s in (decl.job.spawn if decl.job else [])]
        named += [r.resource for r in decl.references]
        named += [c.resource for c in (decl.binding.creates if decl.binding else ())]
        if decl.job and decl.job.queue and decl.job.queue.waiting not in decl.job.states:
            problems.append(f"{oid}: x-mock-job.queue.waiting {decl.job.queue.waiting!r} is not one of its states")
        for name in filter(None, named):
            if name not in resources:
                problems.append(f"{oid}: names the undeclared resource {name!r}")
    for res in resources.values():
        if res.parent and res.parent[0] not in resources:
            problems.append(f"x-mock-resources.{res.name}: parent {res.parent[0]!r} is not declared")
        problems += _coherence_problems(res, resources)
    if problems:
        raise DeclarationError("invalid behaviour declarations:\n  " + "\n  ".join(problems))
    return resources, ops
