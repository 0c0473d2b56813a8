"""The engine's pipeline: one small function per step, in the order the real API's middleware runs them.

A step reads and fills the `Exchange` (the record it found, the headers to add), refuses by raising `Refused`
with the documented answer, or leaves the exchange to the next step. `STEPS` is the default pipeline; the
`answer` step runs last on every answer, refusals included (defects change answers there).
"""
from __future__ import annotations

from typing import Any

from contract import Reference, Respond

from .engine import FINAL_STEP, JSON, Engine, Exchange, Step, coerce_key, epoch
from .ledger import InsufficientCredits
from .responses import Reply, find_response, primary_media
from .selection import Where
from .store import Stored
from .throttle import Verdict
from .values import apply_writes, copy_json, overlay, render_template, set_value
from .webhooks import pending_callback


def admin_gate(engine: Engine, ex: Exchange) -> None:
    caller = ex.call.caller
    if ex.plan.decl.admin and not (caller and caller.admin):
        raise engine.refuse(ex.plan.op, 403)


def throttle(engine: Engine, ex: Exchange) -> None:
    """`x-mock-throttle`: a fixed window per declared key; the figures go on the answer, a full window is a 429."""
    rule = ex.plan.decl.throttle
    if rule is None:
        return
    caller = ex.call.caller
    key: list[Any] = [ex.plan.op.operation_id]
    for part in rule.key:
        if part == "token":
            key.append(caller.token if caller else "-")
        elif part == "team":
            key.append(caller.team if caller else "-")
        else:
            key.append(str(ex.call.path.get(part.split(".", 1)[1])))
    verdict = engine.state.throttle.hit(tuple(key), rule.limit, rule.window, engine.state.clock.now())
    ex.headers.update(rate_headers(verdict))
    if not verdict.allowed:
        refused = engine.refuse(ex.plan.op, 429, rule.code, extra={"retry_after": verdict.retry_after})
        refused.reply.headers.update(ex.headers)
        refused.reply.headers["Retry-After"] = str(verdict.retry_after)
        raise refused


def rate_headers(verdict: Verdict) -> dict[str, str]:
    return {"X-RateLimit-Limit": str(verdict.limit), "X-RateLimit-Remaining": str(verdict.remaining),
            "X-RateLimit-Reset": str(verdict.reset)}


def lookup(engine: Engine, ex: Exchange) -> None:
    """The records the path names: unknown, another team's, trashed or expired ones are refused as declared."""
    binding = ex.plan.decl.binding
    if binding is None:
        return
    if binding.id_param:
        ex.record = find(engine, ex, binding.resource, ex.call.path.get(binding.id_param),
                         in_trash=binding.action in ("restore", "purge"))
    if binding.parent_param:
        ex.parent = find(engine, ex, engine.parent_of(binding)[0], ex.call.path.get(binding.parent_param))


def find(engine: Engine, ex: Exchange, resource: str, raw_key: Any, in_trash: bool = False) -> Stored:
    decl, op, caller = engine.resources[resource], ex.plan.op, ex.call.caller
    stored = engine.state.store.get(resource, coerce_key(raw_key, decl.id_kind))
    if stored is None:
        raise engine.refuse(op, decl.missing.status, decl.missing.code)
    if decl.scope == "team" and (caller is None or stored.team != caller.team):
        raise engine.refuse(op, decl.foreign.status, decl.foreign.code)
    if decl.trash_field and stored.fields.get(decl.trash_field) is not None and not in_trash:
        raise engine.refuse(op, decl.missing.status, decl.missing.code)
    if decl.expires:
        field_name, refusal = decl.expires
        expiry = stored.fields.get(field_name)
        if expiry and epoch(expiry) < engine.state.clock.now():
            raise engine.refuse(op, refusal.status, refusal.code)
    engine.current(stored)
    return stored


def state_rules(engine: Engine, ex: Exchange) -> None:
    """`x-mock-preconditions`: the addressed record must be in a state that allows the operation (409 etc.)."""
    if ex.record is None:
        return
    view = ex.record.view()
    for rule in ex.plan.decl.preconditions:
        if not rule.holds(view):
            raise engine.refuse(ex.plan.op, rule.refuse.status, rule.refuse.code)


def references(engine: Engine, ex: Exchange) -> None:
    body = ex.call.body if isinstance(ex.call.body, dict) else {}
    for ref in ex.plan.decl.references:
        if ref.optional and body.get(ref.field) is None:
            continue
        ex.refs[ref.resource] = referenced(engine, ex, ref)
    named_in_body(engine, ex)


def named_in_body(engine: Engine, ex: Exchange) -> None:
    """Isolation beyond the path: a record that a create or update names in its body (the parent, a field
    declared `coherence.refers`) must be one the caller can see, else the field is invalid (Laravel's `exists`
    rule: the operation's documented validation answer, another team's record as unknown as a missing one)."""
    binding, body, caller = ex.plan.decl.binding, ex.call.body, ex.call.caller
    if binding is None or binding.action not in ("create", "update", "action") or not isinstance(body, dict):
        return
    decl = engine.resources[binding.resource]
    named = dict(decl.coherence.refers)
    if decl.parent:
        named[decl.parent[1]] = decl.parent[0]
    for name, target in named.items():
        value = body.get(name)
        if value is None or target in ex.refs or engine.named(target, value, caller.team if caller else None):
            continue
        missing, validation = engine.resources[target].missing, ex.plan.decl.validation
        status = validation.status_of(ex.plan.op)
        code = validation.code_for([name]) if status is not None else missing.code
        message = f"The selected {name.replace('_', ' ')} is invalid."
        raise engine.refuse(ex.plan.op, status or missing.status, code, fields={name: [message]})


def referenced(engine: Engine, ex: Exchange, ref: Reference) -> Stored:
    """The record a request body field names (`x-mock-references`), else the declared refusal: unknown, another
    team's, or not matching the reference's `where` (an inactive template)."""
    decl, body, caller = engine.resources[ref.resource], ex.call.body, ex.call.caller
    raw = body.get(ref.field) if isinstance(body, dict) else None
    stored = (engine.state.store.get(ref.resource, coerce_key(raw, decl.id_kind))
              if isinstance(raw, (str, int)) else None)
    if (stored is None or (decl.scope == "team" and (caller is None or stored.team != caller.team))
            or not Where(ref.where).matches(stored.view(), engine.state.clock.now())):
        message = f"The selected {ref.field.replace('_', ' ')} is invalid."  # Laravel's `exists` rule
        raise engine.refuse(ex.plan.op, ref.refuse.status, ref.refuse.code, fields={ref.field: [message]})
    return stored


def credits(engine: Engine, ex: Exchange) -> None:
    """`x-mock-credits`: debit the cost (formulas may read the addressed record) or refuse with a 402."""
    declared, caller = ex.plan.decl.credits, ex.call.caller
    if declared is None or caller is None:
        return
    cost = engine.cost(ex.call, declared.cost, ex.record)
    if cost <= 0:
        return
    try:
        engine.state.ledger.debit(caller.team, cost, ex.plan.op.operation_id, engine.state.clock.now_iso())
    except InsufficientCredits as short:
        raise engine.refuse(ex.plan.op, 402, "insufficient_credits",
                            extra={"required": short.required, "balance": short.balance}) from None
    ex.charged = cost


def action(engine: Engine, ex: Exchange) -> None:
    """The declared action (actions.py): it answers itself, or leaves the record to answer from."""
    ex.reply = engine.actions[ex.plan.action](engine, ex)
    if ex.reply is None:
        engine.create_children(ex)


def job(engine: Engine, ex: Exchange) -> None:
    """`x-mock-job`: the record the action made or touched starts its job (its results empty until it ends)."""
    decl = ex.plan.decl
    if decl.job is None or ex.reply is not None or ex.record is None:
        return
    if ex.plan.action == "create":
        engine.clear_results(ex.record, decl.job.fill)
    engine.jobs.start(ex.record, ex.plan.op.operation_id)
    if ex.plan.action == "create" and decl.webhook and isinstance(ex.call.body, dict) and ex.record.job:
        ex.record.job["webhook"] = ex.call.body.get(decl.webhook.url_field)
        if decl.webhook.state_field:
            ex.record.fields[decl.webhook.state_field] = pending_callback(ex.record.job["webhook"])


def respond(engine: Engine, ex: Exchange) -> None:
    """The answer of a served call: the action's own, else the record in the documented shape; then the declared
    `response-set` values and the rate-limit figures."""
    selector = selected(ex)
    if ex.reply is None and selector is not None:
        ex.reply = selected_answer(engine, ex, selector)
    if ex.record is not None:
        engine.cohere(ex.record)  # the action, the job or a selected answer may have written it
    if ex.reply is None:
        ex.reply = (from_record(engine, ex, ex.record) if ex.record is not None and not ex.static_answer
                    else engine.static(ex.plan))
    binding, reply = ex.plan.decl.binding, ex.reply
    if binding and binding.response_set and reply.status < 300 and isinstance(reply.body, dict):
        set_body(engine, ex, reply.body, binding.response_set)
    if ex.plan.decl.echo and reply.status < 300 and isinstance(reply.body, dict):
        set_body(engine, ex, reply.body, ex.plan.decl.echo)
    reply.headers.update(ex.headers)


def selected(ex: Exchange) -> Respond | None:
    """The `x-mock-respond` entry the call's parameters select, if any."""
    for selector in ex.plan.decl.responds:
        if selector.param in ex.call.query and selector.selects(ex.call.query[selector.param]):
            return selector
    return None


def selected_answer(engine: Engine, ex: Exchange, selector: Respond) -> Reply:
    """The documented answer of the selected status, shaped from the record (its job run to the end first when
    the caller blocks for it)."""
    if selector.finish_job and ex.record is not None:
        engine.jobs.complete(ex.record)
    media, body = engine.bodies.static(ex.plan.op, str(selector.status))
    body = copy_json(body)
    if ex.record is not None:
        overlay(body, ex.record.view())
    if selector.set and isinstance(body, dict):
        set_body(engine, ex, body, selector.set)
    return Reply(selector.status, body, media)


def from_record(engine: Engine, ex: Exchange, record: Stored) -> Reply:
    plan = ex.plan
    binding = plan.decl.binding
    assert binding is not None
    media, _ = primary_media(find_response(plan.op, plan.success))
    if binding.media:  # one documented media type per value of the record's field (a download's format)
        media = binding.media["map"].get(record.fields.get(binding.media["field"]), media)
    view = record.view()
    headers = {k: str(render_template(v, view)) for k, v in binding.headers.items()}
    body: Any
    if binding.response is not None:
        body = render_template(binding.response, view)
    elif plan.shape == "record":
        body = copy_json(record.fields)
    elif plan.shape == "data":
        body = {"data": copy_json(record.fields)}
    elif plan.shape == "envelope":
        _, body = engine.bodies.static(plan.op, plan.success)
        set_value(body, binding.envelope or "", copy_json(record.fields))
    else:
        _, body = engine.bodies.static(plan.op, plan.success)
        overlay(body, record.fields)
    return Reply(int(plan.success), body, media, headers)


def set_body(engine: Engine, ex: Exchange, body: JSON, writes: JSON) -> None:
    """`x-mock-resource.response-set`: value templates written into the answered body (a cache stamp, a fallback)."""
    call = ex.call
    env = {"body": call.body if isinstance(call.body, dict) else {}, "query": call.query, "path": call.path,
           "record": ex.record.view() if ex.record else {}}
    apply_writes(writes, body, engine.state.clock.now_iso(), lambda name: None, env)


def answer(engine: Engine, ex: Exchange) -> None:
    """Every answer passes here, refusals included: the contract's answers go out as they are."""


STEPS: dict[str, Step] = {
    "admin": admin_gate,
    "throttle": throttle,
    "lookup": lookup,
    "rules": state_rules,
    "references": references,
    "credits": credits,
    "action": action,
    "job": job,
    "respond": respond,
    FINAL_STEP: answer,
}
