"""Throttle semantics (`x-mock-throttle`): served calls carry X-RateLimit-Limit (the declared limit),
X-RateLimit-Remaining (one less on the next call) and X-RateLimit-Reset (not in the past); exhausting the limit
gives 429 with Retry-After and the documented body. Exhausting spends quota, so that part needs --allow-spend
(or the mock); afterwards the suite waits the Retry-After out (a clock jump on the mock)."""
from __future__ import annotations

import time
from typing import Any

from contract import ThrottleDecl

from ..target import Exchange, http_date, retry_after
from .context import Context
from .names import THROTTLE_HEADERS as HEADERS
from .names import THROTTLE_LIMIT as LIMIT
from .names import CheckName
from .registry import check

NAMES = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
MAX_CALLS = 250  # a limit above this is not exhausted: too many requests for a CI run
EPOCH = 1_000_000_000  # a Reset above this is a unix time, below it seconds from now
SKEW_SECONDS = 5


def _throttled(ctx: Context, oid: str) -> bool:
    return ctx.catalog.decls[oid].throttle is not None


def _declared(ctx: Context, oid: str) -> ThrottleDecl:
    throttle = ctx.catalog.decls[oid].throttle
    assert throttle is not None
    return throttle


def _int(exchange: Exchange, name: str) -> int | None:
    try:
        return int(exchange.header(name) or "")
    except ValueError:
        return None


def _served(ctx: Context, oid: str, check_name: CheckName) -> tuple[dict[str, Any], Exchange] | None:
    """A served call of `oid` (waiting out a 429), or None after recording why there is none."""
    if ctx.skip_if_blocked(oid, check_name):
        return None
    values = ctx.known.path_values(oid)
    answer = ctx.known.send(oid, values)
    if not answer.ok:
        ctx.results.skipped(oid, check_name, f"no served call to look at: answered {answer.status}")
        return None
    return values, answer


def _server_now(exchange: Exchange) -> float:
    """The server's clock (its Date header), so a skewed CI runner does not misjudge X-RateLimit-Reset."""
    return http_date(exchange.header("Date")) or time.time()


@check(HEADERS, "served calls carry consistent X-RateLimit-Limit/Remaining/Reset headers", _throttled,
       concurrent=False)
def throttle_headers(ctx: Context, oid: str) -> None:
    served = _served(ctx, oid, HEADERS)
    if served is None:
        return
    values, first = served
    missing = [n for n in NAMES if first.header(n) is None]
    if missing:
        ctx.finding(oid, HEADERS, f"a served call of a throttled operation lacks {', '.join(missing)}", first)
        return
    declared = _declared(ctx, oid)
    limit, remaining, reset = (_int(first, n) for n in NAMES)
    problems = []
    if limit != declared.limit:
        problems.append(f"X-RateLimit-Limit is {first.header(NAMES[0])!r}, the declared limit is {declared.limit}")
    if remaining is None or limit is not None and not 0 <= remaining < limit:
        problems.append(f"X-RateLimit-Remaining {first.header(NAMES[1])!r} is not between 0 and the limit")
    if reset is None or (reset >= EPOCH and reset + SKEW_SECONDS < _server_now(first)) or reset < 0:
        problems.append(f"X-RateLimit-Reset {first.header(NAMES[2])!r} is not a time in the future")
    if not problems and remaining and limit is not None:
        second = ctx.known.send(oid, values)
        after = _int(second, NAMES[1])
        if second.ok and _int(second, NAMES[2]) == reset and after != remaining - 1:
            problems.append(f"X-RateLimit-Remaining went from {remaining} to {second.header(NAMES[1])!r} "
                            f"on the next call; expected {remaining - 1}")
            first = second
    if problems:
        ctx.finding(oid, HEADERS, "; ".join(problems), first)
    else:
        ctx.results.passed(oid, HEADERS)


def _needs_spend(ctx: Context) -> str | None:
    return None if ctx.gates.allow_spend else "exhausting the limit spends quota: needs --allow-spend"


@check(LIMIT, "calls over the declared limit get 429 with Retry-After and the documented body", _throttled,
       _needs_spend, concurrent=False)
def throttle_limit(ctx: Context, oid: str) -> None:
    declared = _declared(ctx, oid)
    if declared.limit >= MAX_CALLS:
        ctx.results.skipped(oid, LIMIT, f"a limit of {declared.limit} is too high to exhaust in a run")
        return
    if ctx.skip_if_blocked(oid, LIMIT):
        return
    values = ctx.known.path_values(oid)
    request = ctx.known.request(oid, values)
    refused: Exchange | None = None
    last: Exchange | None = None
    window: str | None = None
    in_window = 0
    # A window may roll over mid-way (its Reset changes): counting starts again, for at most one more window.
    for _ in range(2 * (declared.limit + 1)):
        last = ctx.known.send_request(oid, request, "team", values, retry=False)
        if last.status == 429:
            refused = last
            break
        if not last.ok:
            ctx.results.skipped(oid, LIMIT, f"no served call to count: answered {last.status}")
            return
        reset = last.header(NAMES[2])
        in_window = in_window + 1 if reset == window else 1
        window = reset
        if in_window > declared.limit:
            break
    if refused is None:
        ctx.finding(oid, LIMIT, f"{in_window} calls within one window were served; the declared limit is "
                    f"{declared.limit} per {declared.window} s", last)
        return
    delay = retry_after(refused.response.headers)
    if delay is None:
        ctx.finding(oid, LIMIT, f"the 429 answer lacks a usable Retry-After header "
                    f"({refused.header('Retry-After')!r})", refused)
        return
    ctx.results.passed(oid, LIMIT)
    ctx.target.patience.wait(delay)  # leave the quota as found, for whatever runs next
