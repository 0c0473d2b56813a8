"""The control API under /__mock/: reset, clock, credits, request log, job failures, faults, webhooks.

Tests and developers steer the mock through it instead of waiting for real time or real failures.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .faults import Fault, FaultError
from .journal import FilterError, Query
from .pages import page_routes, state_page, wants_html

if TYPE_CHECKING:
    from .app import Mock


class ControlError(Exception):
    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.status = status


async def _json(request: Request) -> dict:
    raw = await request.body()
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ControlError("body must be a JSON object") from None
    if not isinstance(data, dict):
        raise ControlError("body must be a JSON object")
    return data


def _number(data: dict, key: str, default: Any = None) -> Any:
    value = data.get(key, default)
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise ControlError(f"{key} must be a number")
    return value


def control_app(mock: Mock) -> Starlette:
    engine = mock.engine

    async def index(request: Request) -> Response:
        if wants_html(request):  # a browser: the state page; every other client keeps the JSON
            return state_page(mock)
        return JSONResponse({
            "spec": str(mock.spec_path), "operations": len(mock.doc.operations), "records": engine.store.count(),
            "teams": {k: {"id": t.id, "balance": engine.ledger.balance(k)} for k, t in mock.directory.teams.items()},
            "tokens": {tok: c.team for tok, c in mock.directory.tokens.items()},
            "clock": mock.clock.state(), "defects": list(mock.defects),
            "startup_seconds": round(mock.startup_seconds, 3),
        })

    async def reset(request: Request) -> JSONResponse:
        return JSONResponse({"reset": True, "records": mock.reset()})

    async def clock(request: Request) -> JSONResponse:
        if request.method == "POST":
            data = await _json(request)
            advance = _number(data, "advance", 0)
            if advance:
                if advance < 0:
                    raise ControlError("advance must be positive: the clock does not go back")
                mock.clock.advance(advance)
            if "freeze" in data:
                (mock.clock.freeze if data["freeze"] else mock.clock.unfreeze)()
                engine.jobs.frozen = bool(data["freeze"])
            engine.jobs.tick()
        return JSONResponse(mock.clock.state())

    async def credits(request: Request) -> JSONResponse:
        team = request.path_params["team"]
        if team not in mock.directory.teams:
            raise ControlError(f"unknown team {team!r}", 404)
        if request.method == "PUT":
            balance = _number(await _json(request), "balance")
            if balance is None or balance < 0:
                raise ControlError("balance must be a number >= 0")
            engine.ledger.set_balance(team, int(balance), mock.clock.now_iso())
        return JSONResponse({"team": team, "balance": engine.ledger.balance(team)})

    async def requests_log(request: Request) -> JSONResponse:
        if request.method == "DELETE":
            mock.journal.clear()
            return JSONResponse({"data": []})
        try:
            query = Query.from_params(dict(request.query_params))
        except FilterError as exc:
            raise ControlError(str(exc)) from None
        return JSONResponse({"data": mock.journal.find(query)})

    async def fail_next(request: Request) -> JSONResponse:
        data = await _json(request)
        target = data.get("target")
        known = set(engine.jobs.decls) | {d.resource for d in engine.jobs.decls.values()}
        if target not in known:
            raise ControlError(f"target must be a job operationId or resource: {sorted(known)}")
        count = int(_number(data, "count", 1))
        engine.jobs.fail_next[target] = engine.jobs.fail_next.get(target, 0) + count
        return JSONResponse({"target": target, "fail_next": engine.jobs.fail_next[target]})

    async def faults(request: Request) -> JSONResponse:
        if request.method == "DELETE":
            mock.faults.clear()
        elif request.method == "POST":
            data = await _json(request)
            operation = data.get("operation", "*")
            if operation != "*" and operation not in mock.doc.operations:
                raise ControlError(f"unknown operation {operation!r}")
            try:
                fault = Fault.checked(data.get("delay_ms", 0), data.get("jitter_ms", 0), data.get("status"),
                                      data.get("drop", False), data.get("count"))
            except FaultError as exc:
                raise ControlError(str(exc)) from None
            mock.faults.set(operation, fault)
        return JSONResponse({"faults": {k: vars(v) for k, v in mock.faults.rules.items()}})

    async def webhooks(request: Request) -> JSONResponse:
        await mock.webhooks.deliver_due()
        return JSONResponse({"data": mock.webhooks.summary()})

    async def on_error(request: Request, exc: ControlError) -> JSONResponse:
        return JSONResponse({"message": str(exc)}, status_code=exc.status)

    return Starlette(routes=[
        Route("/__mock", index),
        Route("/__mock/reset", reset, methods=["POST"]),
        Route("/__mock/clock", clock, methods=["GET", "POST"]),
        Route("/__mock/teams/{team}/credits", credits, methods=["GET", "PUT"]),
        Route("/__mock/requests", requests_log, methods=["GET", "DELETE"]),
        Route("/__mock/jobs/fail-next", fail_next, methods=["POST"]),
        Route("/__mock/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route("/__mock/webhooks", webhooks),
        *page_routes(mock),  # seam (issue 16): the state page's data, the API reference and their assets
    ], exception_handlers={ControlError: on_error})
