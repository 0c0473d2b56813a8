"""Contract defects the mock can inject on purpose (`--inject-defect NAME`), so the conformance suite can prove
it catches each one. Every defect breaks the contract in exactly one named way and says which operations it
touches, so a test can limit its run to them.

A defect changes the engine only through its public seams: it replaces a pipeline step, an action or a refusal
by name (`replace_step`, `replace_action`, `refusals`), never a private method."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from contract import Operation, merge_all_of

from .engine import Engine, Exchange, Plan
from .responses import Reply
from .steps import rate_headers
from .throttle import Verdict


class Host(Protocol):
    """What a defect's operation list needs of a mock: its engine."""
    engine: Engine


@dataclass(frozen=True)
class Defect:
    name: str
    summary: str
    apply: Callable[[Engine], None]
    pick: Callable[[Engine, Plan], bool]  # the operations the defect breaks

    def touches(self, host: Host) -> list[str]:
        return [oid for oid, plan in host.engine.plans.items() if self.pick(host.engine, plan)]


def _change_answers(engine: Engine, change: Callable[[Plan, Reply], Reply]) -> None:
    """Every answer of the pipeline (refusals included) passes `change` after the answers before it."""
    previous = engine.steps["answer"]

    def answer(engine: Engine, ex: Exchange) -> None:
        previous(engine, ex)
        assert ex.reply is not None
        ex.reply = change(ex.plan, ex.reply)

    engine.replace_step("answer", answer)


def _is_dispatch(plan: Plan) -> bool:
    return plan.decl.job is not None and plan.success == "202"


def _is_read(plan: Plan) -> bool:
    b = plan.decl.binding
    return b is not None and b.action == "read" and plan.shape in ("record", "data") and b.response is None


def _first_required(plan: Plan) -> str | None:
    content: dict[str, Any] = plan.op.responses.get(plan.success, {}).get("content") or {}
    first: dict[str, Any] = next(iter(content.values()), {})
    schema = merge_all_of(first.get("schema") or {})
    if plan.shape == "data":
        schema = merge_all_of((schema.get("properties") or {}).get("data") or {})
    required = schema.get("required") or []
    return required[0] if required else None


# -- the defects --------------------------------------------------------------------------------------------

def wrong_status(engine: Engine) -> None:
    _change_answers(engine, lambda plan, r: Reply(200, r.body, r.media, r.headers)
                    if _is_dispatch(plan) and r.status == 202 else r)


def undocumented_status(engine: Engine) -> None:
    is_list = _declares("list")
    _change_answers(engine, lambda plan, r: Reply(206, r.body, r.media, r.headers)
                    if is_list(engine, plan) and r.status == 200 else r)


def missing_required_field(engine: Engine) -> None:
    def change(plan: Plan, r: Reply) -> Reply:
        name = _first_required(plan) if _is_read(plan) and 200 <= r.status < 300 else None
        if name and isinstance(r.body, dict):
            target = r.body.get("data") if plan.shape == "data" else r.body
            if isinstance(target, dict):
                target.pop(name, None)
        return r
    _change_answers(engine, change)


def wrong_error_code(engine: Engine) -> None:
    def change(plan: Plan, r: Reply) -> Reply:
        if r.status >= 400 and isinstance(r.body, dict):
            inner = r.body.get("error")
            if isinstance(inner, dict) and "code" in inner:
                inner["code"] = "something_went_wrong"
            elif isinstance(inner, str):
                r.body["error"] = "something_went_wrong"
        return r
    _change_answers(engine, change)


def missing_rate_limit_headers(engine: Engine) -> None:
    def change(plan: Plan, r: Reply) -> Reply:
        for h in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
            r.headers.pop(h, None)
        return r
    _change_answers(engine, change)


def missing_retry_after(engine: Engine) -> None:
    def change(plan: Plan, r: Reply) -> Reply:
        if r.status == 429:
            r.headers.pop("Retry-After", None)
        return r
    _change_answers(engine, change)


def wrong_content_type(engine: Engine) -> None:
    _change_answers(engine, lambda plan, r: Reply(r.status, r.body, "text/plain", r.headers)
                    if r.media and "json" in r.media and 200 <= r.status < 300 else r)


def credits_not_charged(engine: Engine) -> None:
    engine.replace_step("credits", lambda engine, ex: None)


def overcharge(engine: Engine) -> None:
    charge = engine.steps["credits"]

    def charge_twice(engine: Engine, ex: Exchange) -> None:
        charge(engine, ex)
        declared, caller = ex.plan.decl.credits, ex.call.caller
        if declared is not None and caller is not None:
            cost = engine.cost(ex.call, declared.cost, ex.record)
            engine.state.ledger.debit(caller.team, cost, ex.plan.op.operation_id, engine.state.clock.now_iso(),
                                      partial=True)
    engine.replace_step("credits", charge_twice)


def cross_team_leak(engine: Engine) -> None:
    engine.resources.update({name: replace(res, scope="global") for name, res in engine.resources.items()})


def body_names_unchecked(engine: Engine) -> None:
    def taken_as_given(engine: Engine, ex: Exchange) -> None:
        """Records a body names are neither looked up nor checked for the caller's team."""
    engine.replace_step("references", taken_as_given)


def job_never_completes(engine: Engine) -> None:
    for oid in list(engine.jobs.decls):
        engine.jobs.hang(oid)


def throttle_off(engine: Engine) -> None:
    def never_full(engine: Engine, ex: Exchange) -> None:
        rule = ex.plan.decl.throttle
        if rule is not None:
            now = engine.state.clock.now()
            ex.headers.update(rate_headers(Verdict(True, rule.limit, rule.limit - 1, int(now) + rule.window, 0)))
    engine.replace_step("throttle", never_full)


def server_error_on_bad_input(engine: Engine) -> None:
    engine.refusals.invalid_input = lambda op, status, code, fields: Reply(500, {"message": "Server Error"})


def auth_not_enforced(engine: Engine) -> None:
    refuse = engine.refusals.unauthenticated

    def serve(op: Operation | None) -> Reply:
        return engine.static(engine.plans[op.operation_id]) if op is not None else refuse(op)
    engine.refusals.unauthenticated = serve


def state_not_kept(engine: Engine) -> None:
    create = engine.actions["create"]

    def create_and_forget(engine: Engine, ex: Exchange) -> Reply | None:
        reply = create(engine, ex)
        if ex.record is not None:
            engine.state.store.remove(ex.record.resource, ex.record.key)
        return reply
    engine.replace_action("create", create_and_forget)


def delete_not_applied(engine: Engine) -> None:
    for name in ("delete", "purge"):
        engine.replace_action(name, lambda engine, ex: engine.static(ex.plan))


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


def _declares(*actions: str) -> Callable[[Engine, Plan], bool]:
    return lambda engine, plan: plan.decl.binding is not None and plan.decl.binding.action in actions


def _names_in_body(engine: Engine, plan: Plan) -> bool:
    binding = plan.decl.binding
    if plan.decl.references:
        return True
    if binding is None or binding.resource not in engine.resources or binding.action not in ("create", "update"):
        return False
    return bool(engine.resources[binding.resource].coherence.refers)


def _throttled(engine: Engine, plan: Plan) -> bool:
    return plan.decl.throttle is not None


def _every(engine: Engine, plan: Plan) -> bool:
    return True


def _runs_or_polls_a_job(engine: Engine, plan: Plan) -> bool:
    return plan.decl.job is not None or any(d.poll == plan.op.operation_id for d in engine.jobs.decls.values())


DEFECTS = {d.name: d for d in [
    Defect("wrong-status", "async dispatches answer 200 instead of the documented 202", wrong_status,
           lambda e, p: _is_dispatch(p)),
    Defect("undocumented-status", "list operations answer 206, a status the spec does not document",
           undocumented_status, _declares("list")),
    Defect("missing-required-field", "record reads omit their first required field", missing_required_field,
           lambda e, p: _is_read(p) and _first_required(p) is not None),
    Defect("wrong-error-code", "structured errors carry an undocumented code", wrong_error_code,
           lambda e, p: _has_coded_errors(p)),
    Defect("missing-rate-limit-headers", "throttled operations omit X-RateLimit-* headers",
           missing_rate_limit_headers, _throttled),
    Defect("missing-retry-after", "429 answers omit Retry-After", missing_retry_after, _throttled),
    Defect("wrong-content-type", "JSON success bodies are labelled text/plain", wrong_content_type, _every),
    Defect("credits-not-charged", "credited operations debit nothing", credits_not_charged,
           lambda e, p: _credited(p)),
    Defect("overcharge", "credited operations debit twice their declared cost", overcharge,
           lambda e, p: _credited(p)),
    Defect("cross-team-leak", "every team sees and may change every other team's records", cross_team_leak,
           lambda e, p: p.decl.binding is not None),
    Defect("body-names-unchecked", "a record named in a request body may be another team's",
           body_names_unchecked, _names_in_body),
    Defect("job-never-completes", "async jobs stay in their first state forever", job_never_completes,
           _runs_or_polls_a_job),
    Defect("throttle-off", "declared throttles never refuse", throttle_off, _throttled),
    Defect("server-error-on-bad-input", "invalid requests get a 500 instead of the documented 4xx",
           server_error_on_bad_input, _every),
    Defect("auth-not-enforced", "requests without a valid token are served", auth_not_enforced, _every),
    Defect("state-not-kept", "created records are not stored", state_not_kept, _declares("create")),
    Defect("delete-not-applied", "deleted records stay readable", delete_not_applied, _declares("delete", "purge")),
]}


def apply_defects(engine: Engine, names: tuple[str, ...]) -> tuple[str, ...]:
    """Break `engine` in each named way (a ValueError names the unknown ones); returns the names applied."""
    unknown = [n for n in names if n not in DEFECTS]
    if unknown:
        raise ValueError(f"unknown defect(s) {', '.join(unknown)}; known: {', '.join(DEFECTS)}")
    for name in names:
        DEFECTS[name].apply(engine)
    return tuple(names)
