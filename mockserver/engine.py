"""The mock's core: one generic handler that interprets an operation's declarations.

No HTTP here (Prism keeps its core apart from the HTTP layer too): a `Call` goes in, a `Reply` comes out. A call
runs through a pipeline of named steps in the order the real API's middleware runs them (steps.py: admin gate,
throttle, record lookup, state rules, references, credits, action, job, respond); the action step looks the
declared action up in a registry (actions.py). Both are handed in at construction (factory.py composes the
defaults, as Prism's core factory composes its injected stages), and a defect swaps one by name
(`replace_step`, `replace_action`) instead of patching the engine.

What the engine keeps here is what several steps and actions share: making, merging and writing records, the
records a caller may see, and what a job's end does to its record's team and children.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, cast

import jsonschema  # type: ignore[import-untyped]  # no stubs for the pinned 4.26

from contract import (
    Binding,
    Contract,
    Credits,
    Expression,
    Generator,
    JobDecl,
    Operation,
    OperationDecl,
    ResourceDecl,
    iso_utc,
    parse_instant,
)

from .errors import Errors, Refusals
from .jobs import Completion, Jobs
from .request_id import RequestIds
from .responses import Bodies, Reply, item_fields
from .selection import Where
from .state import MockState, StateGenerator
from .store import Store, Stored
from .values import apply_writes, is_result

JSON = dict[str, Any]


@dataclass
class Caller:
    token: str
    team: str
    team_id: int
    user_id: int
    admin: bool = False


@dataclass
class Call:
    """A request as the engine sees it: the operation, who calls, the parameters and the body."""
    op: Operation
    caller: Caller | None
    path: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    prefer: dict[str, str] = field(default_factory=dict)


@dataclass
class Plan:
    """What an operation does, worked out once at start-up."""
    op: Operation
    decl: OperationDecl
    success: str
    shape: str  # record | data | envelope | static: how a bound record becomes the body
    action: str  # the name of the action in the registry


@dataclass
class Exchange:
    """One call on its way through the pipeline: what the steps found and decided so far."""
    plan: Plan
    call: Call
    record: Stored | None = None  # the record the path addresses (or the action made or picked)
    parent: Stored | None = None  # the record the parent parameter addresses
    refs: dict[str, Stored] = field(default_factory=dict)  # x-mock-references: resource -> the record named
    charged: int | None = None  # what the credits step debited
    headers: dict[str, str] = field(default_factory=dict)  # what a served answer carries (rate-limit figures)
    static_answer: bool = False  # the action answers the documented body, not the record
    reply: Reply | None = None


class Refused(Exception):
    """A step's refusal: the pipeline stops and `reply` is the answer."""

    def __init__(self, reply: Reply):
        super().__init__(reply.status)
        self.reply = reply


Step = Callable[["Engine", Exchange], None]
Action = Callable[["Engine", Exchange], "Reply | None"]  # a reply of its own, or None: answer from the record
FINAL_STEP = "answer"  # runs on every answer of the pipeline, refusals included


class Engine:
    def __init__(self, contract: Contract, state: MockState, steps: Mapping[str, Step],
                 actions: Mapping[str, Action], on_job_end: Sequence[Completion] = ()):
        if FINAL_STEP not in steps:
            raise ValueError(f"a pipeline needs its {FINAL_STEP!r} step")
        self.contract = contract
        self.state = state
        self.resources = dict(contract.resources)  # a copy: a defect may swap a declaration for this mock only
        # Bodies only draws values; the state's generator is the one to draw from (replaced on reset)
        self.bodies = Bodies(cast(Generator, StateGenerator(state)))
        stamp = (RequestIds(contract.request_id).stamp,) if contract.request_id else ()
        self.errors = Errors(self.bodies, stamp)
        self.refusals = Refusals.documented(self.errors)
        self.field_schemas: dict[str, JSON] = {name: (r.schema.get("properties") or {})
                                               for name, r in self.resources.items()}
        self.field_checks = {name: {f: jsonschema.Draft202012Validator(sub) for f, sub in props.items()
                                    if isinstance(sub, dict)}
                             for name, props in self.field_schemas.items()}
        self.plans = {oid: _plan(op, contract.decls[oid], self.resources) for oid, op in contract.ops.items()}
        # False: list items carry exactly their documented fields; True (--extra-fields): the whole stored record,
        # undeclared fields included, for clients that test their tolerance of them
        self.extra_fields = False
        self._item_fields: dict[tuple[str, str, str], frozenset[str] | None] = {}
        self.steps = dict(steps)
        self.actions = dict(actions)
        unknown = sorted({p.action for p in self.plans.values()} - set(self.actions))
        if unknown:
            raise ValueError(f"no action registered for {', '.join(unknown)}")
        self.jobs = Jobs(state, {oid: d.job for oid, d in contract.decls.items() if d.job}, self.generate_field,
                         (self.settle_deferred, self.spawn, *on_job_end))
        for plan in self.plans.values():  # warm the static bodies so the first request pays nothing
            self.bodies.static(plan.op, plan.success)

    @property
    def store(self) -> Store:
        return self.state.store

    # -- composition ------------------------------------------------------------------------------------------
    def replace_step(self, name: str, step: Step) -> Step:
        """Run `step` in place of the step `name`; returns the step it replaces (to wrap it)."""
        previous = self.steps[name]
        self.steps[name] = step
        return previous

    def replace_action(self, name: str, action: Action) -> Action:
        """Run `action` in place of the action `name`; returns the action it replaces (to wrap it)."""
        previous = self.actions[name]
        self.actions[name] = action
        return previous

    # -- entry point ------------------------------------------------------------------------------------------
    def handle(self, call: Call) -> Reply:
        ex = Exchange(self.plans[call.op.operation_id], call)
        if call.prefer:
            preferred = self.preferred(ex.plan, call)
            if preferred is not None:
                return self.errors.finish(preferred)
        try:
            for name, step in self.steps.items():
                if name != FINAL_STEP:
                    step(self, ex)
        except Refused as refused:
            ex.reply = refused.reply
        self.steps[FINAL_STEP](self, ex)
        assert ex.reply is not None, "the pipeline ended without an answer"
        return self.errors.finish(ex.reply)

    # -- answers ----------------------------------------------------------------------------------------------
    def static(self, plan: Plan) -> Reply:
        """The operation's documented success body."""
        media, body = self.bodies.static(plan.op, plan.success)
        return Reply(int(plan.success), body, media)

    def refuse(self, op: Operation, status: int, code: str | None = None,
               fields: dict[str, list[str]] | None = None, extra: JSON | None = None) -> Refused:
        """The refusal to raise: the documented error answer of `status`."""
        return Refused(self.errors.reply(op, status, code, fields=fields, extra=extra))

    def preferred(self, plan: Plan, call: Call) -> Reply | None:
        """Prism's Prefer header: a documented status, a named example or dynamic data instead of the behaviour."""
        code = call.prefer.get("code")
        status = code if code and code in plan.op.responses else plan.success
        name = call.prefer.get("example")
        if name:
            found = self.bodies.named(plan.op, status, name)
            if found:
                return Reply(int(status), found[1], found[0])
        if call.prefer.get("dynamic") == "true":
            media, body = self.bodies.generated(plan.op, status)
            return Reply(int(status), body, media)
        if code and code in plan.op.responses:
            if status.startswith("2"):
                media, body = self.bodies.static(plan.op, status)
                return Reply(int(status), body, media)
            return self.errors.reply(plan.op, int(status))
        return None

    def item_fields(self, op: Operation, status: str, items_at: str) -> frozenset[str] | None:
        """The documented fields of a list answer's items (None: free-form), worked out once per operation."""
        key = (op.operation_id, status, items_at)
        if key not in self._item_fields:
            self._item_fields[key] = item_fields(op, status, items_at)
        return self._item_fields[key]

    # -- what a caller sees -----------------------------------------------------------------------------------
    def parent_of(self, binding: Binding) -> tuple[str, str | None]:
        """(parent resource, link field) of a list/create: the declared `link`, else the resource's parent."""
        if binding.link:
            return binding.link
        parent = self.resources[binding.resource].parent
        return parent if parent else (binding.resource, None)

    def visible(self, resource: str, caller: Caller | None, parent: Stored | None = None,
                trash: bool = False, link_field: str | None = None) -> list[Stored]:
        decl = self.resources[resource]
        parent_field = (link_field or (decl.parent[1] if decl.parent else None)) if parent is not None else None
        out = []
        for stored in self.state.store.all(resource):
            if decl.scope == "team" and (caller is None or stored.team != caller.team):
                continue
            if parent is not None and parent_field and stored.fields.get(parent_field) != parent.key:
                continue
            if decl.trash_field and (stored.fields.get(decl.trash_field) is not None) != trash:
                continue
            out.append(stored)
        out.reverse()  # newest first
        return out

    def candidates(self, binding: Binding, caller: Caller | None, parent: Stored | None) -> list[Stored]:
        """The records a list, select or aggregate looks at: visible to the caller, jobs current, `where` met."""
        records = self.visible(binding.resource, caller, parent, binding.trash, self.parent_of(binding)[1])
        for stored in records:
            self.current(stored)
        return Where(binding.where).filter(records, self.state.clock.now())

    def current(self, stored: Stored) -> None:
        """A record as it is now: its job advanced on the mock clock, its declared coherence applied."""
        self.jobs.advance(stored)
        self.cohere(stored)

    # -- records ----------------------------------------------------------------------------------------------
    def new_record(self, resource: str, team: str | None, team_id: int | None, user_id: int | None,
                   parent: Stored | None, overlay: JSON | None, now_iso: str) -> Stored:
        decl = self.resources[resource]
        store, generator = self.state.store, self.state.generator
        fields = generator.value(decl.schema, resource)
        if not isinstance(fields, dict):
            fields = {}
        key = store.new_key(resource, decl.id_kind)
        fields[decl.key] = key
        props = self.field_schemas[resource]
        if overlay:
            self.merge(resource, fields, overlay)
        if decl.parent and parent is not None:
            fields[decl.parent[1]] = parent.key
        for name, value in (("team_id", team_id), ("user_id", user_id)):
            if name in props and value is not None:
                fields[name] = value
        for name in ("created_at", "updated_at"):
            if name in props:
                fields[name] = now_iso
        if decl.trash_field and decl.trash_field in fields:
            fields[decl.trash_field] = None
        if decl.expires:
            fields[decl.expires[0]] = iso_utc(epoch(now_iso) + decl.expires_ttl)
        stored = store.put(resource, key, fields, team if decl.scope == "team" else None)
        for name, schema in decl.internal.items():
            stored.internal[name] = schema["default"] if "default" in schema else generator.value(schema, name)
        self.cohere(stored, overlay)
        return stored

    def cohere(self, stored: Stored, request: JSON | None = None) -> None:
        """Keep a record true to its resource's `coherence` declaration, whatever wrote it last: echoed fields
        take the creating request's values, references name a record the team can see (or are null), fields
        bound to states are empty outside them, and the declared timestamps run in order, none after now.
        `request` is the body of the call that creates the record (None for every later write)."""
        rules = self.resources[stored.resource].coherence
        fields = stored.fields
        if request is not None:
            internal = self.resources[stored.resource].internal
            for name, source in rules.echo.items():
                (stored.internal if name in internal else fields)[name] = request.get(source)
        for name, target in rules.refers.items():
            if self.named(target, fields.get(name), stored.team) is None:
                fields[name] = None
        for name, bound in rules.state.items():
            if fields.get(bound.field) not in bound.states:
                fields[name] = self.empty(stored.resource, name)
            elif fields.get(name) is None and name in rules.clock:
                fields[name] = self.state.clock.now_iso()
        self.order_clock(fields, rules.clock)

    def remove(self, stored: Stored) -> None:
        """Remove a record for good, and what would otherwise name a record that is gone: its children go with
        it, fields that refer to it (`coherence.refers`) become null."""
        self.state.store.remove(stored.resource, stored.key)
        for name, decl in self.resources.items():
            if decl.parent and decl.parent[0] == stored.resource:
                for child in list(self.state.store.all(name)):
                    if child.fields.get(decl.parent[1]) == stored.key:
                        self.remove(child)
            for field_name, target in decl.coherence.refers.items():
                if target == stored.resource:
                    for other in self.state.store.all(name):
                        if other.fields.get(field_name) == stored.key:
                            other.fields[field_name] = None

    def order_clock(self, fields: JSON, names: Sequence[str]) -> None:
        now = self.state.clock.now()
        floor = float("-inf")
        for name in names:
            at = epoch(fields.get(name)) if fields.get(name) is not None else None
            if at is None or at == float("inf"):
                continue
            if at > now or at < floor:
                at = min(max(at, floor), now)
                fields[name] = iso_utc(at)
            floor = at

    def named(self, resource: str, key: Any, team: str | None) -> Stored | None:
        """The record of `resource` under `key` that `team` may see, if there is one."""
        decl = self.resources[resource]
        if key is None:
            return None
        stored = self.state.store.get(resource, coerce_key(key, decl.id_kind))
        if stored is None or (decl.scope == "team" and stored.team != team):
            return None
        return stored

    def empty(self, resource: str, name: str) -> Any:
        """A field's value before it means anything: null where the schema allows it, else an empty list or
        object (findings before the audit ran)."""
        check = self.field_checks[resource].get(name)
        candidates: tuple[Any, ...] = (None, [], {}, "")
        for candidate in candidates:
            if check is None or check.is_valid(candidate):
                return candidate
        return None

    def merge(self, resource: str, fields: JSON, body: JSON) -> None:
        """Copy request fields the record knows, when the value fits the record's field (a request's
        `frameworks: [..]` list must not overwrite a record's per-framework results object)."""
        checks = self.field_checks[resource]
        key_field = self.resources[resource].key
        for name, value in body.items():
            check = checks.get(name)
            if check is not None and name != key_field and check.is_valid(value):
                fields[name] = value

    def write(self, record: Stored, writes: JSON, ex: Exchange | None = None) -> None:
        """Apply value templates (`set`, `fill`) to a record, over the call's body, query, path and references."""
        if writes:
            call = ex.call if ex else None
            env = {"body": call.body if call and isinstance(call.body, dict) else {},
                   "query": call.query if call else {}, "path": call.path if call else {}, "record": record.fields,
                   "refs": {k: v.view() for k, v in ex.refs.items()} if ex else {}}
            apply_writes(writes, record.fields, self.state.clock.now_iso(),
                         lambda name: self.generate_field(record.resource, name), env)

    def create_children(self, ex: Exchange) -> None:
        """`x-mock-resource.creates`: the records a call makes under its record, one per item of a body list,
        in the same call (the docs' "atomic": all of them exist when the answer does)."""
        binding, record, caller, body = ex.plan.decl.binding, ex.record, ex.call.caller, ex.call.body
        if binding is None or record is None or not binding.creates or not isinstance(body, dict):
            return
        now_iso = self.state.clock.now_iso()
        for rule in binding.creates:
            for item in body.get(rule.each) or []:
                child = self.new_record(rule.resource, record.team, record.fields.get("team_id"),
                                        caller.user_id if caller else None, record, None, now_iso)
                env = {"body": body, "query": ex.call.query, "path": ex.call.path, "record": child.fields,
                       "item": item}
                apply_writes(rule.values, child.fields, now_iso,
                             partial(self.generate_field, rule.resource), env)
                parent = self.resources[rule.resource].parent
                if parent:
                    child.fields[parent[1]] = record.key

    def touch(self, record: Stored) -> None:
        if "updated_at" in self.field_schemas[record.resource]:
            record.fields["updated_at"] = self.state.clock.now_iso()

    def clear_results(self, stored: Stored, fill: JSON) -> None:
        """What a job fills in on completion is empty before (null where the schema allows it)."""
        checks = self.field_checks[stored.resource]
        for name, template in fill.items():
            if is_result(template) and name in checks and checks[name].is_valid(None):
                stored.fields[name] = None

    def generate_field(self, resource: str, name: str) -> Any:
        return self.state.generator.value(self.field_schemas.get(resource, {}).get(name, {}), name)

    def settle_fixture(self, stored: Stored) -> None:
        """A seeded record in a job's final state carries what that job fills in, so it looks finished."""
        for decl in self.jobs.decls.values():
            if decl.resource != stored.resource:
                continue
            state = stored.fields.get(decl.field)
            if state == decl.states[-1]:
                self.write(stored, decl.fill)
                self.spawn(stored, decl, False, limit=self.resources[stored.resource].fixture_count)
            elif decl.failure is not None and state == decl.failure:
                self.write(stored, decl.fail_fill)
            elif state in decl.states:
                self.clear_results(stored, decl.fill)
        self.cohere(stored)

    # -- a job's end (job completion subscribers) -------------------------------------------------------------
    def settle_deferred(self, stored: Stored, job: JobDecl, failed: bool) -> None:
        """A job whose cost is known only when it ends (`credits.deferred`) debits it then, as far as it can."""
        assert stored.job is not None
        plan = self.plans[stored.job["op"]]
        credits = plan.decl.credits
        if failed or not credits or credits.deferred is None or stored.team is None:
            return
        amount = self.cost(Call(plan.op, None), credits.deferred, stored)  # a sitemap audit pays its URL count
        taken = self.state.ledger.debit(stored.team, amount, plan.op.operation_id, self.state.clock.now_iso(),
                                        partial=True)
        if "credits_used" in stored.fields and isinstance(stored.fields["credits_used"], int):
            stored.fields["credits_used"] += taken

    def spawn(self, stored: Stored, job: JobDecl, failed: bool, limit: int = 500) -> None:
        """A completed job creates the records it produced (a batch's audits), linked back to its record."""
        if failed:
            return
        now_iso = self.state.clock.now_iso()
        for rule in job.spawn:
            count = min(apply_count(rule.get("count", 1), stored.fields), limit)
            items: list[Any] = [None] * count
            if "each" in rule:  # the batch's own URLs, not made-up ones
                listed = stored.view().get(rule["each"])
                items = list(listed)[:limit] if isinstance(listed, list) else items
            for item in items:
                child = self.new_record(rule["resource"], stored.team, stored.fields.get("team_id"),
                                        stored.fields.get("user_id"), None, None, now_iso)
                child.fields[rule["field"]] = stored.key
                env = {"body": {}, "query": {}, "path": {}, "record": child.fields, "item": item}
                apply_writes(rule.get("values") or {}, child.fields, now_iso,
                             partial(self.generate_field, rule["resource"]), env)
                self.settle_fixture(child)

    def cost(self, call: Call, expr: Expression, record: Stored | None) -> int:
        """A credit expression over the call (and the record its path addresses, which formulas may read)."""
        return Credits.amount(expr, {"body": call.body if isinstance(call.body, dict) else {}, "query": call.query,
                                     "path": call.path, "record": record.fields if record is not None else {}})


def apply_count(template: Any, fields: JSON) -> int:
    value = fields.get(template["$copy"]) if isinstance(template, dict) and "$copy" in template else template
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError):
        return 0


def coerce_key(raw: Any, kind: str) -> Any:
    if kind == "integer":
        try:
            return int(raw)
        except (TypeError, ValueError):
            return None
    return raw


def epoch(value: Any) -> float:
    """A timestamp field as epoch seconds; one that does not parse never expires."""
    instant = parse_instant(value)
    return instant.timestamp() if instant else float("inf")


def _plan(op: Operation, decl: OperationDecl, resources: Mapping[str, ResourceDecl]) -> Plan:
    binding = decl.binding
    action = "ledger" if decl.ledger else (binding.action if binding else "static")
    return Plan(op, decl, _success(op, decl), _shape(op, decl, resources), action)


def _success(op: Operation, decl: OperationDecl) -> str:
    """The documented success status the mock answers: 202 for an async dispatch that documents it."""
    if decl.job and "202" in op.responses:
        return "202"
    return op.success_status()


def _shape(op: Operation, decl: OperationDecl, resources: Mapping[str, ResourceDecl]) -> str:
    binding = decl.binding
    if not binding or binding.resource not in resources:
        return "static"
    if binding.envelope == "data":
        return "data"
    if binding.envelope == "none":
        return "record"
    if binding.envelope:
        return "envelope"
    ref = resources[binding.resource].schema_ref
    success = op.raw.get("responses", {}).get(op.success_status(), {})
    for media in (success.get("content") or {}).values():
        schema = media.get("schema") or {}
        if schema.get("$ref") == ref:
            return "record"
        data = (schema.get("properties") or {}).get("data") or {}
        if data.get("$ref") == ref:
            return "data"
    return "static"

