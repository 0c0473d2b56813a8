"""Credit semantics (`--allow-spend`): a served call lowers the balance (the operation with `x-mock-ledger: balance`)
by exactly its declared `x-mock-credits.cost`, evaluated over the request (plus the `deferred` part once its job
completed); a call the team cannot pay is refused with 402 and leaves the balance as it was (checked with the
low-credit token). Both measure a balance, so they check one operation at a time."""
from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any

from contract import Credits

from ..requestgen import PreparedRequest
from .context import Context
from .names import CREDIT_COST, CREDIT_REFUSAL
from .registry import check


def _still(ctx: Context) -> AbstractContextManager[None]:
    """Against the mock, jobs of earlier checks stand still while a balance is measured: their deferred debits
    would land between the two readings."""
    return ctx.target.mock.frozen() if ctx.target.mock is not None else nullcontext()


def _credited(ctx: Context, oid: str) -> bool:
    return ctx.catalog.decls[oid].credits is not None


def _declared(ctx: Context, oid: str) -> Credits:
    credits = ctx.catalog.decls[oid].credits
    assert credits is not None
    return credits


def _record(ctx: Context, oid: str, values: dict[str, Any], role: str) -> dict[str, Any] | None:
    """The bound record as its reader answers it, for costs declared over `record`."""
    binding = ctx.catalog.decls[oid].binding
    if binding is None or binding.id_param is None or binding.id_param not in values:
        return None
    reader = ctx.catalog.reader(binding.resource)
    reader_binding = ctx.catalog.decls[reader].binding if reader else None
    if reader is None or reader_binding is None or reader_binding.id_param is None:
        return None
    body = ctx.known.send(reader, {reader_binding.id_param: values[binding.id_param]}, role).json()
    if isinstance(body, dict) and isinstance(body.get("data"), dict):
        data: dict[str, Any] = body["data"]
        return data
    return body if isinstance(body, dict) else None


def _costs(ctx: Context, oid: str, values: dict[str, Any], role: str) -> tuple[PreparedRequest, int, int | None]:
    """The request to send, its declared cost, and the deferred part (None when nothing is deferred)."""
    credits = _declared(ctx, oid)
    request = ctx.known.request(oid, values, role)
    uses_record = "record" in str(credits.cost.source) + str(credits.deferred.source if credits.deferred else "")
    record = _record(ctx, oid, values, role) if uses_record else None
    cost = ctx.known.cost(oid, credits.cost, request, values, record)
    deferred = ctx.known.cost(oid, credits.deferred, request, values, record) if credits.deferred else None
    return request, cost, deferred


def _needs_ledger(ctx: Context) -> str | None:
    if not ctx.gates.allow_spend:
        return "spends credits: needs --allow-spend"
    return None if ctx.catalog.ledger("balance") else "the spec has no x-mock-ledger: balance operation"


@check(CREDIT_COST, "a served call lowers the balance by exactly its declared x-mock-credits cost", _credited,
       _needs_ledger, concurrent=False)
def credit_cost(ctx: Context, oid: str) -> None:
    if ctx.skip_if_blocked(oid, CREDIT_COST):
        return
    with _still(ctx):
        _measure_cost(ctx, oid)


def _measure_cost(ctx: Context, oid: str) -> None:
    values = ctx.known.path_values(oid)
    request, cost, deferred = _costs(ctx, oid, values, "team")
    before = ctx.known.balance("team")
    if before is None:
        ctx.results.skipped(oid, CREDIT_COST, "the balance could not be read")
        return
    if before < cost:
        ctx.results.skipped(oid, CREDIT_COST, f"the team's balance {before} is below the cost {cost}")
        return
    answer = ctx.known.send_request(oid, request, "team", values)
    if answer.status == 402:
        ctx.finding(oid, CREDIT_COST, f"refused with 402 although the balance {before} covers the declared cost "
                    f"{cost}", answer)
        return
    if not answer.ok:
        ctx.results.skipped(oid, CREDIT_COST, f"the call answered {answer.status}, nothing to charge")
        return
    after = ctx.known.balance("team")
    drop = before - (after if after is not None else before)
    allowed = {cost} | ({cost + deferred} if deferred is not None else set())
    if drop in allowed:
        ctx.results.passed(oid, CREDIT_COST)
        return
    declared = _declared(ctx, oid)
    detail = f"x-mock-credits.cost {declared.cost.source!r} = {cost}" + (
        f", deferred {declared.deferred.source!r} = {deferred}" if declared.deferred is not None else "")
    ctx.finding(oid, CREDIT_COST, f"the balance dropped by {drop} ({before} -> {after}) for a call declared to cost "
                f"{' or '.join(map(str, sorted(allowed)))} ({detail})", answer)


def _needs_low(ctx: Context) -> str | None:
    return _needs_ledger(ctx) or (None if ctx.target.tokens.get("low") else "needs --low-credit-token")


@check(CREDIT_REFUSAL, "a call the team cannot pay gets 402 and leaves the balance unchanged", _credited, _needs_low,
       concurrent=False)
def credit_refusal(ctx: Context, oid: str) -> None:
    if ctx.skip_if_blocked(oid, CREDIT_REFUSAL):
        return
    with _still(ctx):
        _measure_refusal(ctx, oid)


def _measure_refusal(ctx: Context, oid: str) -> None:
    low = ctx.target.tokens.get("low")
    if ctx.target.mock is not None and low:  # an empty account: every credited call is one the team cannot pay
        ctx.target.mock.set_balance(low, 0)
    values = ctx.known.path_values(oid, role="low")
    request, cost, _ = _costs(ctx, oid, values, "low")
    before = ctx.known.balance("low")
    if before is None:
        ctx.results.skipped(oid, CREDIT_REFUSAL, "the low-credit team's balance could not be read")
        return
    if cost <= before:
        ctx.results.skipped(oid, CREDIT_REFUSAL, f"the low-credit team can pay this call ({cost} <= {before})")
        return
    answer = ctx.known.send_request(oid, request, "low", values)
    after = ctx.known.balance("low")
    if answer.ok:
        ctx.finding(oid, CREDIT_REFUSAL, f"a team with balance {before} was served {answer.status} for a call "
                    f"declared to cost {cost}; expected 402", answer)
    elif answer.status != 402:
        ctx.results.skipped(oid, CREDIT_REFUSAL, f"refused with {answer.status} before credits were weighed")
    elif after != before:
        ctx.finding(oid, CREDIT_REFUSAL, f"the 402 refusal changed the balance from {before} to {after}", answer)
    else:
        ctx.results.passed(oid, CREDIT_REFUSAL)
