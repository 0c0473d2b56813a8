"""Contract defects the mock can inject on purpose (`--inject-defect NAME`), so the conformance suite can prove
it catches each one. Every defect breaks the contract in exactly one named way and says which operations it
touches, so a test can limit its run to them."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .engine import Call, Plan
from .responses import Reply

if TYPE_CHECKING:
    from .app import Mock


@dataclass(frozen=True)
class Defect:
    name: str
    summary: str
    apply: Callable[[Mock], None]
    touches: Callable[[Mock], list[str]]


def _ops(mock: Mock, pick: Callable[[Plan], bool]) -> list[str]:
    return [oid for oid, plan in mock.engine.plans.items() if pick(plan)]


def _reply_hook(mock: Mock, change: Callable[[Plan, Call, Reply], Reply]) -> None:
    previous = mock.engine.hooks.get("*")

    def hook(plan: Plan, call: Call, reply: Reply) -> Reply:
        reply = previous(plan, call, reply) if previous else reply
        return change(plan, call, reply)

    mock.engine.hooks["*"] = hook


def _is_dispatch(plan: Plan) -> bool:
    return plan.decl.job is not None and plan.success == "202"


def _is_read(plan: Plan) -> bool:
    b = plan.decl.binding
    return bool(b) and b.action == "read" and plan.shape in ("record", "data") and b.response is None


def _first_required(plan: Plan) -> str | None:
    content = plan.op.responses.get(plan.success, {}).get("content") or {}
    schema = next(iter(content.values()), {}).get("schema") or {}
    from contract import merge_all_of

    schema = merge_all_of(schema)
    if plan.shape == "data":
        schema = merge_all_of((schema.get("properties") or {}).get("data") or {})
    required = schema.get("required") or []
    return required[0] if required else None


# -- the defects --------------------------------------------------------------------------------------------

def wrong_status(mock: Mock) -> None:
    _reply_hook(mock, lambda plan, call, r: Reply(200, r.body, r.media, r.headers)
                if _is_dispatch(plan) and r.status == 202 else r)


def undocumented_status(mock: Mock) -> None:
    def change(plan, call, r):
        b = plan.decl.binding
        return Reply(206, r.body, r.media, r.headers) if b and b.action == "list" and r.status == 200 else r
    _reply_hook(mock, change)


def missing_required_field(mock: Mock) -> None:
    def change(plan, call, r):
        name = _first_required(plan) if _is_read(plan) and 200 <= r.status < 300 else None
        if name and isinstance(r.body, dict):
            target = r.body.get("data") if plan.shape == "data" else r.body
            if isinstance(target, dict):
                target.pop(name, None)
        return r
    _reply_hook(mock, change)


def wrong_error_code(mock: Mock) -> None:
    def change(plan, call, r):
        if r.status >= 400 and isinstance(r.body, dict):
            inner = r.body.get("error")
            if isinstance(inner, dict) and "code" in inner:
                inner["code"] = "something_went_wrong"
            elif isinstance(inner, str):
                r.body["error"] = "something_went_wrong"
        return r
    _reply_hook(mock, change)


def missing_rate_limit_headers(mock: Mock) -> None:
    def change(plan, call, r):
        for h in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
            r.headers.pop(h, None)
        return r
    _reply_hook(mock, change)


def missing_retry_after(mock: Mock) -> None:
    def change(plan, call, r):
        if r.status == 429:
            r.headers.pop("Retry-After", None)
        return r
    _reply_hook(mock, change)


def wrong_content_type(mock: Mock) -> None:
    _reply_hook(mock, lambda plan, call, r: Reply(r.status, r.body, "text/plain", r.headers)
                if r.media and "json" in r.media and 200 <= r.status < 300 else r)


def credits_not_charged(mock: Mock) -> None:
    mock.engine._charge = lambda plan, call: None


def overcharge(mock: Mock) -> None:
    engine = mock.engine
    original = engine._charge

    def charge(plan, call):
        original(plan, call)
        cost = engine.cost_of(plan, call, plan.decl.credits.cost)
        engine.ledger.debit(call.caller.team, cost, plan.op.operation_id, engine.clock.now_iso(), partial=True)
    engine._charge = charge


def cross_team_leak(mock: Mock) -> None:
    engine = mock.engine
    engine.resources.update({name: replace(res, scope="global") for name, res in engine.resources.items()})


def job_never_completes(mock: Mock) -> None:
    for oid in list(mock.engine.jobs.decls):
        mock.engine.jobs.hang(oid)


def throttle_off(mock: Mock) -> None:
    from .throttle import Verdict

    mock.engine.throttle.hit = lambda key, limit, window, now: Verdict(True, limit, limit - 1, int(now) + window, 0)


def server_error_on_bad_input(mock: Mock) -> None:
    mock.http.validation_reply = lambda op, fields: Reply(500, {"message": "Server Error"})


def auth_not_enforced(mock: Mock) -> None:
    engine = mock.engine
    mock.http.unauthorized = lambda op: engine._static(engine.plans[op.operation_id])


def state_not_kept(mock: Mock) -> None:
    engine = mock.engine
    original = engine._create

    def create(plan, call, parent):
        stored = original(plan, call, parent)
        engine.store.remove(stored.resource, stored.key)
        return stored
    engine._create = create


def delete_not_applied(mock: Mock) -> None:
    engine = mock.engine
    engine._delete = lambda binding, record: None
    engine.store.remove = lambda resource, key: None


def _has_coded_errors(plan: Plan) -> bool:
    for status, response in plan.op.responses.items():
        if str(status).startswith(("4", "5")):
            for media in (response.get("content") or {}).values():
                for example in (media.get("examples") or {}).values():
                    if isinstance(example.get("value"), dict) and "error" in example["value"]:
                        return True
    return False


def _credited(plan: Plan) -> bool:
    return plan.decl.credits is not None


DEFECTS = {d.name: d for d in [
    Defect("wrong-status", "async dispatches answer 200 instead of the documented 202", wrong_status,
           lambda m: _ops(m, _is_dispatch)),
    Defect("undocumented-status", "list operations answer 206, a status the spec does not document",
           undocumented_status, lambda m: _ops(m, lambda p: bool(p.decl.binding) and p.decl.binding.action == "list")),
    Defect("missing-required-field", "record reads omit their first required field", missing_required_field,
           lambda m: _ops(m, lambda p: _is_read(p) and _first_required(p) is not None)),
    Defect("wrong-error-code", "structured errors carry an undocumented code", wrong_error_code,
           lambda m: _ops(m, _has_coded_errors)),
    Defect("missing-rate-limit-headers", "throttled operations omit X-RateLimit-* headers",
           missing_rate_limit_headers, lambda m: _ops(m, lambda p: p.decl.throttle is not None)),
    Defect("missing-retry-after", "429 answers omit Retry-After", missing_retry_after,
           lambda m: _ops(m, lambda p: p.decl.throttle is not None)),
    Defect("wrong-content-type", "JSON success bodies are labelled text/plain", wrong_content_type,
           lambda m: list(m.engine.plans)),
    Defect("credits-not-charged", "credited operations debit nothing", credits_not_charged,
           lambda m: _ops(m, _credited)),
    Defect("overcharge", "credited operations debit twice their declared cost", overcharge,
           lambda m: _ops(m, _credited)),
    Defect("cross-team-leak", "every team sees and may change every other team's records", cross_team_leak,
           lambda m: _ops(m, lambda p: bool(p.decl.binding))),
    Defect("job-never-completes", "async jobs stay in their first state forever", job_never_completes,
           lambda m: _ops(m, lambda p: p.decl.job is not None or any(
               d.poll == p.op.operation_id for d in m.engine.jobs.decls.values()))),
    Defect("throttle-off", "declared throttles never refuse", throttle_off,
           lambda m: _ops(m, lambda p: p.decl.throttle is not None)),
    Defect("server-error-on-bad-input", "invalid requests get a 500 instead of the documented 4xx",
           server_error_on_bad_input, lambda m: list(m.engine.plans)),
    Defect("auth-not-enforced", "requests without a valid token are served", auth_not_enforced,
           lambda m: list(m.engine.plans)),
    Defect("state-not-kept", "created records are not stored", state_not_kept,
           lambda m: _ops(m, lambda p: bool(p.decl.binding) and p.decl.binding.action == "create")),
    Defect("delete-not-applied", "deleted records stay readable", delete_not_applied,
           lambda m: _ops(m, lambda p: bool(p.decl.binding) and p.decl.binding.action in ("delete", "purge"))),
]}


def apply_defects(mock: Mock, names: tuple[str, ...]) -> tuple[str, ...]:
    unknown = [n for n in names if n not in DEFECTS]
    if unknown:
        raise ValueError(f"unknown defect(s) {', '.join(unknown)}; known: {', '.join(DEFECTS)}")
    for name in names:
        DEFECTS[name].apply(mock)
    return tuple(names)
