"""The mock's core: one generic handler that interprets an operation's declarations.

No HTTP here (Prism keeps its core apart from the HTTP layer too): a `Call` goes in, a `Reply` comes out.
The steps run in the order the real API's middleware runs them: admin gate, throttle, record lookup (404/403),
state rules, credits, then the action and its job.
"""
from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jsonschema

from contract import (
    Binding,
    Expression,
    Generator,
    Operation,
    OperationDecl,
    Reference,
    ResourceDecl,
    iso_utc,
    parse_instant,
)

from .clock import Clock
from .errors import Errors
from .jobs import Jobs
from .ledger import InsufficientCredits, Ledger
from .responses import Bodies, Reply, find_response, primary_media
from .selection import Selection, Where, search, summarize
from .store import Store, Stored
from .throttle import Throttle
from .values import apply_writes, copy_json, is_result, render_template, set_value

PAGINATION_PARAMS = {"page", "per_page", "limit", "offset", "sort", "dir", "include", "cache"}


@dataclass
class Caller:
    token: str
    team: str
    team_id: int
    user_id: int
    admin: bool = False


@dataclass
class Call:
    op: Operation
    caller: Caller | None
    path: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    prefer: dict[str, str] = field(default_factory=dict)
    record: dict | None = None  # the record the path addresses, once looked up: credit formulas may read it
    refs: dict[str, Any] = field(default_factory=dict)  # x-mock-references: resource -> the record the body names


class Refused(Exception):
    def __init__(self, reply: Reply):
        self.reply = reply


@dataclass
class Plan:
    """What an operation does, worked out once at start-up."""
    op: Operation
    decl: OperationDecl
    success: str
    shape: str  # record | data | static: how a bound record becomes the body


class Engine:
    def __init__(self, ops: dict[str, Operation], decls: dict[str, OperationDecl],
                 resources: dict[str, ResourceDecl], store: Store, ledger: Ledger, clock: Clock,
                 generator: Generator):
        self.resources = dict(resources)  # a copy: defects may swap a declaration for this mock only
        self.store = store
        self.ledger = ledger
        self.clock = clock
        self.throttle = Throttle()
        self.generator = generator
        self.bodies = Bodies(generator)
        self.errors = Errors(self.bodies)
        self.field_schemas = {name: (r.schema.get("properties") or {}) for name, r in resources.items()}
        self.plans = {oid: Plan(op, decls[oid], _success(op, decls[oid]), _shape(op, decls[oid], resources))
                      for oid, op in ops.items()}
        self.field_checks = {name: {f: jsonschema.Draft202012Validator(sub) for f, sub in props.items()
                                    if isinstance(sub, dict)}
                             for name, props in self.field_schemas.items()}
        self.jobs = Jobs(store, {oid: d.job for oid, d in decls.items() if d.job}, clock.now, clock.now_iso,
                         self.generate_field)
        self.jobs.on_complete.append(self._settle_deferred)
        self.jobs.on_complete.append(self._spawn)
        self.hooks: dict[str, Callable[[Plan, Call, Reply], Reply]] = {}  # defect injection (defects.py)
        for plan in self.plans.values():  # warm the static bodies so the first request pays nothing
            self.bodies.static(plan.op, plan.success)

    # -- entry point ------------------------------------------------------------------------------------------
    def handle(self, call: Call) -> Reply:
        plan = self.plans[call.op.operation_id]
        try:
            if call.prefer:
                preferred = self._preferred(plan, call)
                if preferred is not None:
                    return self._finished(preferred)
            reply = self._run(plan, call)
        except Refused as refused:
            reply = refused.reply
        hook = self.hooks.get(plan.op.operation_id) or self.hooks.get("*")
        return self._finished(hook(plan, call, reply) if hook else reply)

    def _finished(self, reply: Reply) -> Reply:
        for finish in self.errors.finishers:  # root declarations every answer carries (request_id.py)
            reply = finish(reply)
        return reply

    def _run(self, plan: Plan, call: Call) -> Reply:
        decl, op, caller = plan.decl, plan.op, call.caller
        if decl.admin and not (caller and caller.admin):
            raise Refused(self.errors.reply(op, 403))
        limit_headers = self._throttle(plan, call) if decl.throttle else None
        binding = decl.binding
        record = parent = None
        if binding:
            if binding.id_param:
                record = self.lookup(op, binding.resource, call.path.get(binding.id_param), caller,
                                     in_trash=binding.action in ("restore", "purge"))
            if binding.parent_param:
                parent_name = self.parent_of(binding)[0]
                parent = self.lookup(op, parent_name, call.path.get(binding.parent_param), caller)
        for rule in decl.preconditions:
            if record is not None and not rule.holds(record.view()):
                raise Refused(self.errors.reply(op, rule.refuse.status, rule.refuse.code))
        for ref in decl.references:
            call.refs[ref.resource] = self._referenced(op, ref, call)
        if decl.credits and caller:
            call.record = record.fields if record is not None else None
            self._charge(plan, call)
        reply = self._act(plan, call, record, parent)
        if binding and binding.response_set and reply.status < 300 and isinstance(reply.body, dict):
            self._set_body(reply.body, binding.response_set, call, record)
        if limit_headers:
            reply.headers.update(limit_headers)
        return reply

    # -- steps ------------------------------------------------------------------------------------------------
    def _throttle(self, plan: Plan, call: Call) -> dict[str, str]:
        rule = plan.decl.throttle
        key: list[Any] = [plan.op.operation_id]
        for part in rule.key:
            if part == "token":
                key.append(call.caller.token if call.caller else "-")
            elif part == "team":
                key.append(call.caller.team if call.caller else "-")
            else:
                key.append(str(call.path.get(part.split(".", 1)[1])))
        verdict = self.throttle.hit(tuple(key), rule.limit, rule.window, self.clock.now())
        headers = {"X-RateLimit-Limit": str(verdict.limit), "X-RateLimit-Remaining": str(verdict.remaining),
                   "X-RateLimit-Reset": str(verdict.reset)}
        if not verdict.allowed:
            reply = self.errors.reply(plan.op, 429, rule.code, extra={"retry_after": verdict.retry_after})
            reply.headers.update(headers)
            reply.headers["Retry-After"] = str(verdict.retry_after)
            raise Refused(reply)
        return headers

    def cost_of(self, plan: Plan, call: Call, expr: Expression) -> int:
        value = expr.evaluate({"body": call.body if isinstance(call.body, dict) else {}, "query": call.query,
                               "path": call.path, "record": call.record or {}})
        try:
            return max(0, int(math.ceil(float(value or 0))))
        except (TypeError, ValueError):
            return 0

    def _charge(self, plan: Plan, call: Call) -> None:
        cost = self.cost_of(plan, call, plan.decl.credits.cost)
        if cost <= 0:
            return
        try:
            self.ledger.debit(call.caller.team, cost, plan.op.operation_id, self.clock.now_iso())
        except InsufficientCredits as short:
            raise Refused(self.errors.reply(plan.op, 402, "insufficient_credits",
                                            extra={"required": short.required, "balance": short.balance})) from None
        call.charged = cost  # type: ignore[attr-defined]

    def lookup(self, op: Operation, resource: str, raw_key: Any, caller: Caller | None,
               in_trash: bool = False) -> Stored:
        decl = self.resources[resource]
        key = _coerce_key(raw_key, decl.id_kind)
        stored = self.store.get(resource, key)
        if stored is None:
            raise Refused(self.errors.reply(op, decl.missing.status, decl.missing.code))
        if decl.scope == "team" and (caller is None or stored.team != caller.team):
            raise Refused(self.errors.reply(op, decl.foreign.status, decl.foreign.code))
        if decl.trash_field and stored.fields.get(decl.trash_field) is not None and not in_trash:
            raise Refused(self.errors.reply(op, decl.missing.status, decl.missing.code))
        if decl.expires:
            field_name, refusal = decl.expires
            expiry = stored.fields.get(field_name)
            if expiry and _epoch(expiry) < self.clock.now():
                raise Refused(self.errors.reply(op, refusal.status, refusal.code))
        self.jobs.advance(stored)
        return stored

    # -- actions ----------------------------------------------------------------------------------------------
    def _act(self, plan: Plan, call: Call, record: Stored | None, parent: Stored | None) -> Reply:
        binding = plan.decl.binding
        action = binding.action if binding else "static"
        if plan.decl.ledger:
            return self._ledger(plan, call)
        if action == "list":
            return self._list(plan, call, parent)
        if action == "aggregate":
            return self._aggregate(plan, call, parent)
        if action == "bulk-update":
            return self._bulk_update(plan, call, parent)
        if action == "create":
            record = self._create(plan, call, parent)
        elif action == "select":
            record = self._select(plan, call, parent)
        elif action == "update":
            self._update(plan, call, record)
        elif action == "delete":
            self._delete(binding, record)
            return self._static(plan)
        elif action == "purge":
            self.store.remove(record.resource, record.key)
            return self._static(plan)
        elif action == "restore":
            self._set(record, {self.resources[record.resource].trash_field: None})
        elif action == "action":
            self._update(plan, call, record)
        if plan.decl.job and record is not None and action != "create":
            self.jobs.start(record, plan.op.operation_id)
        if action in ("guard", "static") or record is None:
            return self._static(plan)
        return self._from_record(plan, record)

    def _bulk_update(self, plan: Plan, call: Call, parent: Stored | None) -> Reply:
        """Write `set` on every child of the parent that the request's filter matches; answer how many."""
        binding = plan.decl.binding
        body = call.body if isinstance(call.body, dict) else {}
        matches = binding.matches or {}
        wanted = body.get(matches["from"]) if matches.get("from") else body
        wanted = wanted if isinstance(wanted, dict) else {}
        rules = [(rule, wanted[key]) for key, rule in (matches.get("rules") or {}).items() if key in wanted]
        hit = [s for s in self._candidates(binding, call.caller, parent)
               if all(_bulk_match(s.fields, rule, value) for rule, value in rules)]
        for stored in hit:
            self._set(stored, binding.set, call)
            if "updated_at" in stored.fields:
                stored.fields["updated_at"] = self.clock.now_iso()
        context = {"affected": len(hit), "body": {**body, matches["from"]: wanted} if matches.get("from") else body}
        media, static = self.bodies.static(plan.op, plan.success)
        if binding.response is not None:
            return Reply(int(plan.success), render_template(binding.response, context), media)
        _overlay(static, context)
        return Reply(int(plan.success), static, media)

    def _static(self, plan: Plan) -> Reply:
        media, body = self.bodies.static(plan.op, plan.success)
        return Reply(int(plan.success), body, media)

    def _candidates(self, binding: Binding, caller: Caller | None, parent: Stored | None) -> list[Stored]:
        """The records a list, select or aggregate looks at: visible to the caller, jobs current, `where` met."""
        records = self.visible(binding.resource, caller, parent, binding.trash, self.parent_of(binding)[1])
        for stored in records:
            self.jobs.advance(stored)
        return Where(binding.where).filter(records, self.clock.now())

    def _select(self, plan: Plan, call: Call, parent: Stored | None) -> Stored:
        binding = plan.decl.binding
        chosen = Selection(binding.select).pick(self._candidates(binding, call.caller, parent), self.clock.now())
        if chosen is None:
            none = binding.select.get("none") or {"status": 404}
            raise Refused(self.errors.reply(plan.op, none["status"], none.get("code")))
        return chosen

    def _aggregate(self, plan: Plan, call: Call, parent: Stored | None) -> Reply:
        """Figures over the caller's records, or everybody's on a public operation (a shared queue's status)."""
        binding, now = plan.decl.binding, self.clock.now()
        if call.caller is None:
            records = Where(binding.where).filter(list(self.store.all(binding.resource)), now)
        else:
            records = self._candidates(binding, call.caller, parent)
        queue = next((q for (name, _), q in self.jobs.queues.items() if name == binding.resource), None)
        env = {"queue": queue.status(now) if queue else {}, "query": call.query, "path": call.path}
        media, _ = primary_media(find_response(plan.op, plan.success))
        return Reply(int(plan.success), summarize(binding.response or {}, records, now, env), media)

    def _referenced(self, op: Operation, ref: Reference, call: Call) -> Stored:
        """The record a request body field names (`x-mock-references`), else the declared refusal: unknown, another
        team's, or not matching the reference's `where` (an inactive template)."""
        decl = self.resources[ref.resource]
        raw = call.body.get(ref.field) if isinstance(call.body, dict) else None
        stored = self.store.get(ref.resource, _coerce_key(raw, decl.id_kind)) if isinstance(raw, (str, int)) else None
        if (stored is None or (decl.scope == "team" and (call.caller is None or stored.team != call.caller.team))
                or not Where(ref.where).matches(stored.view(), self.clock.now())):
            message = f"The selected {ref.field.replace('_', ' ')} is invalid."  # Laravel's `exists` rule
            raise Refused(self.errors.reply(op, ref.refuse.status, ref.refuse.code, fields={ref.field: [message]}))
        return stored

    def _set_body(self, body: dict, writes: dict, call: Call, record: Stored | None) -> None:
        """`x-mock-resource.response-set`: value templates written into the answered body (a cache stamp, a fallback)."""
        env = {"body": call.body if isinstance(call.body, dict) else {}, "query": call.query, "path": call.path,
               "record": record.view() if record else {}}
        apply_writes(writes, body, self.clock.now_iso(), lambda name: None, env)

    def _from_record(self, plan: Plan, record: Stored) -> Reply:
        binding = plan.decl.binding
        media, _ = primary_media(find_response(plan.op, plan.success))
        if binding.media:  # one documented media type per value of the record's field (a download's format)
            media = binding.media["map"].get(record.fields.get(binding.media["field"]), media)
        view = record.view()
        headers = {k: str(render_template(v, view)) for k, v in binding.headers.items()}
        if binding.response is not None:
            body = render_template(binding.response, view)
        elif plan.shape == "record":
            body = copy_json(record.fields)
        elif plan.shape == "data":
            body = {"data": copy_json(record.fields)}
        elif plan.shape == "envelope":
            _, body = self.bodies.static(plan.op, plan.success)
            set_value(body, binding.envelope, copy_json(record.fields))
        else:
            _, body = self.bodies.static(plan.op, plan.success)
            _overlay(body, record.fields)
        return Reply(int(plan.success), body, media, headers)

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
        for stored in self.store.all(resource):
            if decl.scope == "team" and (caller is None or stored.team != caller.team):
                continue
            if parent_field and stored.fields.get(parent_field) != parent.key:
                continue
            if decl.trash_field and (stored.fields.get(decl.trash_field) is not None) != trash:
                continue
            out.append(stored)
        out.reverse()  # newest first
        return out

    def _list(self, plan: Plan, call: Call, parent: Stored | None) -> Reply:
        binding = plan.decl.binding
        records = self._candidates(binding, call.caller, parent)
        props = self.field_schemas[binding.resource]
        filters = {k: v for k, v in call.query.items() if k in props and k not in PAGINATION_PARAMS}
        if binding.search:
            records = search(records, call.query.get(binding.search["param"]), binding.search["fields"])
        if filters:
            records = [s for s in records if all(_matches(s.fields.get(k), v) for k, v in filters.items())]
        return self._page(plan, call, [s.fields for s in records], binding.pagination or {"style": "none"})

    def _page(self, plan: Plan, call: Call, rows: list[dict], paging: dict) -> Reply:
        """Answer `rows` in the operation's documented list body, paginated as declared."""
        total = len(rows)
        meta = None
        if paging["style"] == "page":
            per_page = max(1, min(int(call.query.get("per_page") or paging.get("per-page", 20)), paging.get("max", 100)))
            page = max(1, int(call.query.get("page") or 1))
            rows = rows[(page - 1) * per_page: page * per_page]
            meta = {"total": total, "per_page": per_page, "current_page": page,
                    "last_page": max(1, math.ceil(total / per_page))}
        elif paging["style"] == "offset":
            limit = max(1, min(int(call.query.get("limit") or paging.get("per-page", 50)), paging.get("max", 100)))
            offset = max(0, int(call.query.get("offset") or 0))
            rows = rows[offset: offset + limit]
            meta = {"total": total, "limit": limit, "offset": offset} if paging.get("meta") else None
        elif "max" in paging:
            rows = rows[: paging["max"]]
        items = [copy_json(r) for r in rows]
        media, body = self.bodies.static(plan.op, plan.success)
        if not isinstance(body, dict):
            return Reply(int(plan.success), items, media)
        if {"items", "meta", "total"} & set(paging):  # a body that nests its rows and figures elsewhere
            set_value(body, paging.get("items", "data"), items)
            if meta is not None:
                set_value(body, paging.get("meta", "meta"), meta)
            if paging.get("total"):
                set_value(body, paging["total"], total)
            return Reply(int(plan.success), body, media)
        body["data"] = items
        if meta is not None:
            if isinstance(body.get("meta"), dict):
                body["meta"].update(meta)
            else:
                body["meta"] = meta
        return Reply(int(plan.success), body, media)

    def _ledger(self, plan: Plan, call: Call) -> Reply:
        team = call.caller.team if call.caller else ""
        if plan.decl.ledger == "balance":
            media, body = self.bodies.static(plan.op, plan.success)
            _overlay(body, {"balance": self.ledger.balance(team), "team_id": call.caller and call.caller.team_id})
            return Reply(int(plan.success), body, media)
        rows = [{k: v for k, v in vars(e).items() if k != "team"} for e in self.ledger.history(team)]
        return self._page(plan, call, rows, {"style": "page", "per-page": 20})

    def new_record(self, resource: str, team: str | None, team_id: int | None, user_id: int | None,
                   parent: Stored | None, overlay: dict | None, now_iso: str) -> Stored:
        decl = self.resources[resource]
        fields = self.generator.value(decl.schema, resource)
        if not isinstance(fields, dict):
            fields = {}
        key = self.store.new_key(resource, decl.id_kind)
        fields[decl.key] = key
        props = self.field_schemas[resource]
        if overlay:
            self._merge(resource, fields, overlay)
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
            fields[decl.expires[0]] = iso_utc(_epoch(now_iso) + decl.expires_ttl)
        stored = self.store.put(resource, key, fields, team if decl.scope == "team" else None)
        for name, schema in decl.internal.items():
            stored.internal[name] = schema["default"] if "default" in schema else self.generator.value(schema, name)
        return stored

    def _create(self, plan: Plan, call: Call, parent: Stored | None) -> Stored:
        binding = plan.decl.binding
        caller = call.caller
        body = call.body if isinstance(call.body, dict) else {}
        stored = self.new_record(binding.resource, caller.team if caller else None, caller and caller.team_id,
                                 caller and caller.user_id, parent, body, self.clock.now_iso())
        charged = getattr(call, "charged", None)
        if charged is not None and "credits_used" in stored.fields:
            stored.fields["credits_used"] = charged
        self._set(stored, binding.set, call)
        if plan.decl.job:
            self._clear_results(stored, plan.decl.job.fill)
            self.jobs.start(stored, plan.op.operation_id)
        if plan.decl.webhook and isinstance(call.body, dict):
            stored.job["webhook"] = call.body.get(plan.decl.webhook.url_field)
        return stored

    def _merge(self, resource: str, fields: dict, body: dict) -> None:
        """Copy request fields the record knows, when the value fits the record's field (a request's
        `frameworks: [..]` list must not overwrite a record's per-framework results object)."""
        checks = self.field_checks[resource]
        key_field = self.resources[resource].key
        for name, value in body.items():
            check = checks.get(name)
            if check is not None and name != key_field and check.is_valid(value):
                fields[name] = value

    def _clear_results(self, stored: Stored, fill: dict) -> None:
        """What a job fills in on completion is empty before (null where the schema allows it)."""
        checks = self.field_checks[stored.resource]
        for name, template in fill.items():
            if is_result(template) and name in checks and checks[name].is_valid(None):
                stored.fields[name] = None

    def settle_fixture(self, stored: Stored) -> None:
        """A seeded record in a job's final state carries what that job fills in, so it looks finished."""
        for decl in self.jobs.decls.values():
            if decl.resource != stored.resource:
                continue
            state = stored.fields.get(decl.field)
            if state == decl.states[-1]:
                self._set(stored, decl.fill)
                self._spawn(stored, decl, False, limit=self.resources[stored.resource].fixture_count)
            elif decl.failure is not None and state == decl.failure:
                self._set(stored, decl.fail_fill)
            elif state in decl.states:
                self._clear_results(stored, decl.fill)

    def _update(self, plan: Plan, call: Call, record: Stored) -> None:
        props = self.field_schemas[record.resource]
        if isinstance(call.body, dict):
            self._merge(record.resource, record.fields, call.body)
        self._set(record, plan.decl.binding.set, call)
        if "updated_at" in props:
            record.fields["updated_at"] = self.clock.now_iso()

    def _delete(self, binding: Binding, record: Stored) -> None:
        trash = self.resources[record.resource].trash_field
        if trash:
            record.fields[trash] = self.clock.now_iso()
        else:
            self.store.remove(record.resource, record.key)

    def _set(self, record: Stored, writes: dict, call: Call | None = None) -> None:
        if writes:
            env = {"body": call.body if call and isinstance(call.body, dict) else {},
                   "query": call.query if call else {}, "path": call.path if call else {}, "record": record.fields,
                   "refs": {k: v.view() for k, v in call.refs.items()} if call else {}}
            apply_writes(writes, record.fields, self.clock.now_iso(),
                         lambda name: self.generate_field(record.resource, name), env)

    def generate_field(self, resource: str, name: str) -> Any:
        return self.generator.value(self.field_schemas.get(resource, {}).get(name, {}), name)

    def _settle_deferred(self, stored: Stored, job, failed: bool) -> None:
        plan = self.plans[stored.job["op"]]
        credits = plan.decl.credits
        if failed or not credits or credits.deferred is None or stored.team is None:
            return
        amount = self.cost_of(plan, Call(plan.op, None, record=stored.fields), credits.deferred)
        taken = self.ledger.debit(stored.team, amount, plan.op.operation_id, self.clock.now_iso(), partial=True)
        if "credits_used" in stored.fields and isinstance(stored.fields["credits_used"], int):
            stored.fields["credits_used"] += taken

    def _spawn(self, stored: Stored, job, failed: bool, limit: int = 500) -> None:
        """A completed job creates the records it produced (a batch's audits), linked back to its record."""
        if failed:
            return
        now_iso = self.clock.now_iso()
        for rule in job.spawn:
            count = apply_count(rule.get("count", 1), stored.fields)
            for _ in range(min(count, limit)):
                child = self.new_record(rule["resource"], stored.team, stored.fields.get("team_id"),
                                        stored.fields.get("user_id"), None, None, now_iso)
                child.fields[rule["field"]] = stored.key
                self._set(child, rule.get("values") or {})
                self.settle_fixture(child)

    # -- Prism's Prefer header ----------------------------------------------------------------------------------
    def _preferred(self, plan: Plan, call: Call) -> Reply | None:
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


def apply_count(template: Any, fields: dict) -> int:
    value = fields.get(template["$copy"]) if isinstance(template, dict) and "$copy" in template else template
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError):
        return 0


def _success(op: Operation, decl: OperationDecl) -> str:
    """The documented success status the mock answers: 202 for an async dispatch that documents it."""
    if decl.job and "202" in op.responses:
        return "202"
    return op.success_status()


def _shape(op: Operation, decl: OperationDecl, resources: dict[str, ResourceDecl]) -> str:
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


def _overlay(body: Any, fields: dict) -> None:
    """Shape a documented body from a record by field name, one level into `data`."""
    if not isinstance(body, dict):
        return
    for name in body:
        if name in fields:
            body[name] = copy_json(fields[name])
    if isinstance(body.get("data"), dict):
        _overlay(body["data"], fields)


def _bulk_match(fields: dict, rule: dict, value: Any) -> bool:
    if "map" in rule:
        value = rule["map"].get(str(value).lower() if isinstance(value, bool) else value, rule.get("default", value))
    actual = fields.get(rule["field"])
    test = rule.get("test", "equals")
    if test == "min":
        return actual is not None and actual >= value
    if test == "max":
        return actual is not None and actual <= value
    if test == "contains":  # the API matches on the serialized column (JSON LIKE)
        return str(value) in json.dumps(actual)
    return _matches(actual, value)


def _matches(actual: Any, wanted: Any) -> bool:
    if isinstance(actual, bool):
        return str(actual).lower() == str(wanted).lower()
    return str(actual) == str(wanted)


def _coerce_key(raw: Any, kind: str) -> Any:
    if kind == "integer":
        try:
            return int(raw)
        except (TypeError, ValueError):
            return None
    return raw


def _epoch(value: Any) -> float:
    """A timestamp field as epoch seconds; one that does not parse never expires."""
    instant = parse_instant(value)
    return instant.timestamp() if instant else float("inf")
