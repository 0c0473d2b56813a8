"""Async contract (`x-mock-job`): a dispatch answers 202 with the documented id and poll location (the response's
OpenAPI link to the poll operation, and `status_endpoint`, `poll_url` or `Location` where documented), and
polling reaches a documented terminal state within `--job-timeout`, passing only through declared states in
declared order. Against the mock the clock jumps a job step between polls instead of waiting."""
from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from contract import JobDecl, merge_all_of, path_values

from ..discovery import created_key, template_value
from ..target import Exchange
from .context import Context
from .names import ASYNC_CONTRACT
from .registry import check

POLL_SECONDS = 1.0  # between polls of a real server
LOCATION_FIELDS = ("status_endpoint", "poll_url")


def _pointer(document: Any, pointer: str) -> Any:
    for part in [p for p in pointer.lstrip("#").split("/") if p]:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(document, dict):
            document = document.get(part)
        elif isinstance(document, list) and part.isdigit() and int(part) < len(document):
            document = document[int(part)]
        else:
            return None
    return document


def resolve(expression: Any, exchange: Exchange, path: dict[str, Any]) -> Any:
    """An OpenAPI runtime expression (`$response.body#/id`, `$request.path.id`, ...) against one exchange."""
    if not isinstance(expression, str) or not expression.startswith("$"):
        return expression
    if expression.startswith("$response.body"):
        return _pointer(exchange.json(), expression.split("#", 1)[1] if "#" in expression else "")
    if expression.startswith("$request.body"):
        return _pointer(exchange.request.json, expression.split("#", 1)[1] if "#" in expression else "")
    if expression.startswith("$request.path."):
        return path.get(expression.split(".", 2)[2])
    if expression.startswith("$request.query."):
        return dict(parse_qsl(urlsplit(exchange.request.path).query)).get(expression.split(".", 2)[2])
    if expression.startswith("$response.header."):
        return exchange.header(expression.split(".", 2)[2])
    return None


def _job(ctx: Context, oid: str) -> JobDecl:
    job = ctx.catalog.decls[oid].job
    assert job is not None
    return job


def _applies(ctx: Context, oid: str) -> bool:
    return ctx.catalog.decls[oid].job is not None and "202" in ctx.catalog.ops[oid].responses


@check(ASYNC_CONTRACT,
       "202 dispatch names its poll location; polling reaches a declared terminal state in order", _applies)
def async_contract(ctx: Context, oid: str) -> None:
    if ctx.skip_if_blocked(oid, ASYNC_CONTRACT):
        return
    dispatch = ctx.known.send(oid, ctx.known.path_values(oid))
    # The path as sent: a parameter discovery could not fill was generated, and `$request.path` names it too.
    path = {k: unquote(v) for k, v in path_values(ctx.catalog.ops[oid].path, dispatch.request.path).items()}
    documented = str(dispatch.status) in ctx.catalog.ops[oid].responses
    if dispatch.status != 202:
        if dispatch.ok and not documented:
            ctx.finding(oid, ASYNC_CONTRACT, f"dispatch answered {dispatch.status}; an asynchronous job is "
                        "documented as 202", dispatch)
        else:
            ctx.results.skipped(oid, ASYNC_CONTRACT, f"dispatch answered {dispatch.status}, not 202")
        return
    poll = _poll_request(ctx, oid, dispatch, path)
    if poll is not None:
        _follow(ctx, oid, dispatch, path, *poll)


def _poll_request(ctx: Context, oid: str, dispatch: Exchange,
                  path: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The poll operation and its path values from the 202 answer; None after reporting what is missing."""
    job = _job(ctx, oid)
    response = ctx.catalog.ops[oid].raw.get("responses", {}).get("202", {})
    links: dict[str, Any] = response.get("links") or {}
    link_name, link = next(((n, l) for n, l in links.items() if l.get("operationId") == job.poll),
                           next(iter(links.items()), (None, None)))
    if link is None:
        ctx.finding(oid, ASYNC_CONTRACT, "the 202 answer documents no link to a poll operation", dispatch)
        return None
    values = {p: resolve(expr, dispatch, path) for p, expr in (link.get("parameters") or {}).items()}
    missing = [f"{p} ({link['parameters'][p]})" for p, v in values.items() if v is None]
    if missing:
        ctx.finding(oid, ASYNC_CONTRACT, f"the 202 answer lacks the poll id for link {link_name}: "
                    + ", ".join(missing), dispatch)
        return None
    target = str(link.get("operationId"))
    filled = ctx.known.request(target, values).path.split("?", 1)[0]
    body = dispatch.json() if isinstance(dispatch.json(), dict) else {}
    spec = ctx.catalog.ops[oid].responses.get("202", {})
    declared = {**{f: body.get(f) for f in LOCATION_FIELDS if f in _properties(spec)},
                **({"Location": dispatch.header("Location")} if "Location" in (spec.get("headers") or {}) else {})}
    for carrier, value in declared.items():
        if value is None:
            continue
        if target == job.poll and not urlsplit(str(value)).path.endswith(filled):
            ctx.finding(oid, ASYNC_CONTRACT, f"{carrier} {value!r} does not point to the poll operation "
                        f"{target} ({filled})", dispatch)
            return None
    return target, values


def _properties(response: dict[str, Any]) -> dict[str, Any]:
    media: dict[str, Any] = next(iter((response.get("content") or {}).values()), {})
    found: dict[str, Any] = merge_all_of(media.get("schema") or {}).get("properties") or {}
    return found


def _state(ctx: Context, oid: str, poll_oid: str, dispatch: Exchange, path: dict[str, Any],
           answer: Exchange) -> Any:
    """The job's state in a poll answer: the record's job field, found as the poll operation shapes it."""
    job = _job(ctx, oid)
    body = answer.json()
    binding = ctx.catalog.decls[poll_oid].binding
    if binding and binding.action == "list":
        key_field = ctx.catalog.resources[job.resource].key
        own = ctx.catalog.decls[oid].binding
        assert own is not None
        own_key = created_key(ctx.catalog, oid, dispatch.json()) if own.action == "create" else \
            path.get(own.id_param or "")
        rows = body.get("data") if isinstance(body, dict) else None
        row = next((r for r in rows or [] if isinstance(r, dict) and str(r.get(key_field)) == str(own_key)), None)
        return row.get(job.field) if row else None
    if binding and binding.response is not None:
        found = template_value(binding.response, body, job.field)
        if found is not None:
            return found
    for holder in (body, body.get("data") if isinstance(body, dict) else None):
        if isinstance(holder, dict) and job.field in holder:
            return holder[job.field]
    return None


def _follow(ctx: Context, oid: str, dispatch: Exchange, path: dict[str, Any], poll_oid: str,
            values: dict[str, Any]) -> None:
    job = _job(ctx, oid)
    declared, terminal = job.known_states, job.ends
    seen: list[Any] = []
    started, waited_before = time.monotonic(), ctx.target.patience.waited
    step = job.step_seconds if ctx.target.mock is not None else POLL_SECONDS
    while True:
        answer = ctx.known.send(poll_oid, values)
        if not answer.ok:
            ctx.finding(oid, ASYNC_CONTRACT, f"polling {poll_oid} answered {answer.status} for the dispatched job",
                        answer)
            return
        state = _state(ctx, oid, poll_oid, dispatch, path, answer)
        if state is None:
            ctx.finding(oid, ASYNC_CONTRACT, f"the poll answer of {poll_oid} carries no {job.field}", answer)
            return
        if state not in declared:
            ctx.finding(oid, ASYNC_CONTRACT, f"job state {state!r} is not declared (states: "
                        f"{', '.join(map(str, declared))})", answer)
            return
        if seen and state != seen[-1] and seen[-1] in job.states and state in job.states \
                and job.states.index(state) < job.states.index(seen[-1]):
            ctx.finding(oid, ASYNC_CONTRACT, f"job state went back from {seen[-1]!r} to {state!r}", answer)
            return
        if not seen or seen[-1] != state:
            seen.append(state)
        if state in terminal:
            ctx.results.passed(oid, ASYNC_CONTRACT)
            return
        spent = time.monotonic() - started + ctx.target.patience.waited - waited_before
        if spent >= ctx.job_timeout or not ctx.target.patience.wait(step):
            ctx.finding(oid, ASYNC_CONTRACT, f"the job did not reach {' or '.join(sorted(map(str, terminal)))} "
                        f"within {ctx.job_timeout:g} s (states seen: {' -> '.join(map(str, seen))})", answer)
            return
