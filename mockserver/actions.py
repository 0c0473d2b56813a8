"""The actions an operation can declare (`x-mock-resource.action`), one function each, in a registry keyed by the
declared name. An action changes the state and answers itself (a list, a count, a static body), or leaves the
record it made or changed in the exchange and returns None: the pipeline then answers from that record.
"""
from __future__ import annotations

import json
import math
from typing import Any

from contract import Binding

from .engine import JSON, Action, Engine, Exchange
from .responses import Reply, find_response, primary_media
from .selection import Selection, Where, search, summarize
from .store import Stored
from .values import copy_json, overlay, render_template, set_value

PAGINATION_PARAMS = {"page", "per_page", "limit", "offset", "sort", "dir", "include", "cache"}


def _bound(ex: Exchange) -> Binding:
    binding = ex.plan.decl.binding
    assert binding is not None, f"{ex.plan.op.operation_id}: action {ex.plan.action} without x-mock-resource"
    return binding


def _body(ex: Exchange) -> JSON:
    return ex.call.body if isinstance(ex.call.body, dict) else {}


def _addressed(ex: Exchange) -> Stored:
    assert ex.record is not None, f"{ex.plan.op.operation_id}: action {ex.plan.action} without an id parameter"
    return ex.record


# -- reading --------------------------------------------------------------------------------------------------

def read(engine: Engine, ex: Exchange) -> Reply | None:
    """The record the lookup step found is the answer."""
    return None


def list_records(engine: Engine, ex: Exchange) -> Reply | None:
    binding = _bound(ex)
    records = engine.candidates(binding, ex.call.caller, ex.parent)
    props = engine.field_schemas[binding.resource]
    query = ex.call.query
    filters = {k: v for k, v in query.items() if k in props and k not in PAGINATION_PARAMS}
    if binding.search:
        records = search(records, query.get(binding.search["param"]), binding.search["fields"])
    if filters:
        records = [s for s in records if all(_matches(s.fields.get(k), v) for k, v in filters.items())]
    return page(engine, ex, [s.fields for s in records], binding.pagination or {"style": "none"})


def page(engine: Engine, ex: Exchange, rows: list[JSON], paging: JSON) -> Reply:
    """Answer `rows` in the operation's documented list body, paginated as declared."""
    plan, query = ex.plan, ex.call.query
    total = len(rows)
    meta = None
    if paging["style"] == "page":
        per_page = max(1, min(int(query.get("per_page") or paging.get("per-page", 20)), paging.get("max", 100)))
        number = max(1, int(query.get("page") or 1))
        rows = rows[(number - 1) * per_page: number * per_page]
        meta = {"total": total, "per_page": per_page, "current_page": number,
                "last_page": max(1, math.ceil(total / per_page))}
    elif paging["style"] == "offset":
        limit = max(1, min(int(query.get("limit") or paging.get("per-page", 50)), paging.get("max", 100)))
        offset = max(0, int(query.get("offset") or 0))
        rows = rows[offset: offset + limit]
        meta = {"total": total, "limit": limit, "offset": offset} if paging.get("meta") else None
    elif "max" in paging:
        rows = rows[: paging["max"]]
    fields = None if engine.extra_fields else engine.item_fields(plan.op, plan.success, paging.get("items", "data"))
    # as Prism does: an item carries the fields its schema documents (a summary), not the whole stored record
    items = [copy_json(r if fields is None else {k: v for k, v in r.items() if k in fields}) for r in rows]
    media, body = engine.bodies.static(plan.op, plan.success)
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


def select(engine: Engine, ex: Exchange) -> Reply | None:
    """The one record the declared selection rules pick (the active plan, the latest finished report)."""
    binding = _bound(ex)
    rules = binding.select or {"rules": []}
    candidates = engine.candidates(binding, ex.call.caller, ex.parent)
    chosen = Selection(rules).pick(candidates, engine.state.clock.now())
    if chosen is None:
        none = rules.get("none") or {"status": 404}
        raise engine.refuse(ex.plan.op, none["status"], none.get("code"))
    ex.record = chosen
    return None


def aggregate(engine: Engine, ex: Exchange) -> Reply | None:
    """Figures over the caller's records, or everybody's on a public operation (a shared queue's status)."""
    binding, plan, now = _bound(ex), ex.plan, engine.state.clock.now()
    if ex.call.caller is None:
        records = Where(binding.where).filter(list(engine.state.store.all(binding.resource)), now)
    else:
        records = engine.candidates(binding, ex.call.caller, ex.parent)
    queue = next((q for (name, _), q in engine.state.jobs.queues.items() if name == binding.resource), None)
    env = {"queue": queue.status(now) if queue else {}, "query": ex.call.query, "path": ex.call.path}
    media, _ = primary_media(find_response(plan.op, plan.success))
    return Reply(int(plan.success), summarize(binding.response or {}, records, now, env), media)


def ledger(engine: Engine, ex: Exchange) -> Reply | None:
    """`x-mock-ledger`: the caller's balance, or its ledger entries newest first."""
    plan, caller = ex.plan, ex.call.caller
    team = caller.team if caller else ""
    if plan.decl.ledger == "balance":
        media, body = engine.bodies.static(plan.op, plan.success)
        overlay(body, {"balance": engine.state.ledger.balance(team), "team_id": caller and caller.team_id})
        return Reply(int(plan.success), body, media)
    rows = [{k: v for k, v in vars(e).items() if k != "team"} for e in engine.state.ledger.history(team)]
    return page(engine, ex, rows, {"style": "page", "per-page": 20})


# -- writing --------------------------------------------------------------------------------------------------

def create(engine: Engine, ex: Exchange) -> Reply | None:
    binding, caller = _bound(ex), ex.call.caller
    if binding.resource in ex.refs:  # the body names a record of its own kind: the call continues that one
        ex.record = ex.refs[binding.resource]
        return update(engine, ex)
    stored = engine.new_record(binding.resource, caller.team if caller else None,
                               caller.team_id if caller else None, caller.user_id if caller else None, ex.parent,
                               _body(ex), engine.state.clock.now_iso())
    if ex.charged is not None and "credits_used" in stored.fields:
        stored.fields["credits_used"] = ex.charged
    engine.write(stored, binding.set, ex)
    ex.record = stored
    return None


def update(engine: Engine, ex: Exchange) -> Reply | None:
    """Merge the request's fields the record knows, then the declared `set` (an `action` is an update too)."""
    record = _addressed(ex)
    if isinstance(ex.call.body, dict):
        engine.merge(record.resource, record.fields, ex.call.body)
    engine.write(record, _bound(ex).set, ex)
    engine.touch(record)
    return None


def delete(engine: Engine, ex: Exchange) -> Reply | None:
    """Into the trash where the resource has one (its trash field stamped), else gone."""
    record = _addressed(ex)
    trash = engine.resources[record.resource].trash_field
    if trash:
        record.fields[trash] = engine.state.clock.now_iso()
        if ex.plan.shape != "static":  # documented to answer the trashed record, not an example of one
            return None
    else:
        engine.remove(record)
    return engine.static(ex.plan)


def purge(engine: Engine, ex: Exchange) -> Reply | None:
    engine.remove(_addressed(ex))
    return engine.static(ex.plan)


def restore(engine: Engine, ex: Exchange) -> Reply | None:
    record = _addressed(ex)
    trash = engine.resources[record.resource].trash_field
    assert trash, f"{ex.plan.op.operation_id}: restore on {record.resource}, which has no trash"
    engine.write(record, {trash: None})
    return None


def bulk_update(engine: Engine, ex: Exchange) -> Reply | None:
    """Write `set` on every child of the parent that the request's filter matches; answer how many."""
    binding, plan, body = _bound(ex), ex.plan, _body(ex)
    matches = binding.matches or {}
    wanted = body.get(matches["from"]) if matches.get("from") else body
    wanted = wanted if isinstance(wanted, dict) else {}
    rules = [(rule, wanted[key]) for key, rule in (matches.get("rules") or {}).items() if key in wanted]
    hit = [s for s in engine.candidates(binding, ex.call.caller, ex.parent)
           if all(_bulk_match(s.fields, rule, value) for rule, value in rules)]
    for stored in hit:
        engine.write(stored, binding.set, ex)
        if "updated_at" in stored.fields:
            stored.fields["updated_at"] = engine.state.clock.now_iso()
    context = {"affected": len(hit), "body": {**body, matches["from"]: wanted} if matches.get("from") else body}
    media, static = engine.bodies.static(plan.op, plan.success)
    if binding.response is not None:
        return Reply(int(plan.success), render_template(binding.response, context), media)
    overlay(static, context)
    return Reply(int(plan.success), static, media)


# -- answering as documented ----------------------------------------------------------------------------------

def documented(engine: Engine, ex: Exchange) -> Reply | None:
    """`guard` and `static`: the steps before were the point (a record that must exist, in a state that allows
    the call); the documented body answers, after the record's job (if any) starts."""
    ex.static_answer = True
    return None


def _bulk_match(fields: JSON, rule: JSON, value: Any) -> bool:
    if "map" in rule:
        value = rule["map"].get(str(value).lower() if isinstance(value, bool) else value, rule.get("default", value))
    actual = fields.get(rule["field"])
    test = rule.get("test", "equals")
    if test == "min":
        return actual is not None and bool(actual >= value)
    if test == "max":
        return actual is not None and bool(actual <= value)
    if test == "contains":  # the API matches on the serialized column (JSON LIKE)
        return str(value) in json.dumps(actual)
    return _matches(actual, value)


def _matches(actual: Any, wanted: Any) -> bool:
    if isinstance(actual, bool):
        return str(actual).lower() == str(wanted).lower()
    return str(actual) == str(wanted)


ACTIONS: dict[str, Action] = {
    "list": list_records,
    "create": create,
    "read": read,
    "update": update,
    "action": update,
    "delete": delete,
    "purge": purge,
    "restore": restore,
    "select": select,
    "aggregate": aggregate,
    "bulk-update": bulk_update,
    "guard": documented,
    "static": documented,
    "ledger": ledger,
}
