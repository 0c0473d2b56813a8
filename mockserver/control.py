"""The control API under /__mock/: reset, clock, credits, request log, job failures, faults, webhooks.

Tests and developers steer the mock through it instead of waiting for real time or real failures.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from .engine import Engine
from .journal import FilterError, Query
from .pages import wants_html
from .state import Fault, FaultError, MockState
from .teams import Directory
from .webhooks import Webhooks

PREFIX = "/__mock"


class ControlError(Exception):
    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.status = status


async def _json(request: Request) -> dict[str, Any]:
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


def _number(data: dict[str, Any], key: str, default: Any = None) -> Any:
    value = data.get(key, default)
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise ControlError(f"{key} must be a number")
    return value


class ControlMiddleware:
    """Requests under /__mock go to the control API, every other one to the app (Starlette-style middleware)."""

    def __init__(self, app: ASGIApp, control: ASGIApp) -> None:
        self.app = app
        self.control = control

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(PREFIX):
            await self.control(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def control_app(state: MockState, engine: Engine, directory: Directory, webhooks: Webhooks,
                reset: Callable[[], int], about: Callable[[], dict[str, Any]],
                state_page: Callable[[], Response], pages: Sequence[BaseRoute]) -> Starlette:
    """The control API over one mock: its `state` (the clock, the ledger, jobs, faults, the journal), its
    `reset` (back to the fixtures; the count of records) and `about` (what GET /__mock shows of the mock beside
    its state: spec, operations, defects, start-up time); `state_page` is what a browser gets at /__mock, and
    `pages` the routes of the pages for people (pages.py)."""

    async def index(request: Request) -> Response:
        if wants_html(request):  # a browser: the state page; every other client keeps the JSON
            return state_page()
        return JSONResponse({
            **about(), "records": state.store.count(),
            "teams": {k: {"id": t.id, "balance": state.ledger.balance(k)} for k, t in directory.teams.items()},
            "tokens": {tok: c.team for tok, c in directory.tokens.items()},
            "clock": state.clock.state(),
        })

    async def reset_all(request: Request) -> JSONResponse:
        return JSONResponse({"reset": True, "records": reset()})

    async def clock(request: Request) -> JSONResponse:
        if request.method == "POST":
            data = await _json(request)
            advance = _number(data, "advance", 0)
            if advance:
                if advance < 0:
                    raise ControlError("advance must be positive: the clock does not go back")
                state.clock.advance(advance)
            if "freeze" in data:
                (state.clock.freeze if data["freeze"] else state.clock.unfreeze)()
                state.jobs.frozen = bool(data["freeze"])
            engine.jobs.tick()
        return JSONResponse(state.clock.state())

    async def credits(request: Request) -> JSONResponse:
        team = request.path_params["team"]
        if team not in directory.teams:
            raise ControlError(f"unknown team {team!r}", 404)
        if request.method == "PUT":
            balance = _number(await _json(request), "balance")
            if balance is None or balance < 0:
                raise ControlError("balance must be a number >= 0")
            state.ledger.set_balance(team, int(balance), state.clock.now_iso())
        return JSONResponse({"team": team, "balance": state.ledger.balance(team)})

    async def requests_log(request: Request) -> JSONResponse:
        if request.method == "DELETE":
            state.journal.clear()
            return JSONResponse({"data": []})
        try:
            query = Query.from_params(dict(request.query_params))
        except FilterError as exc:
            raise ControlError(str(exc)) from None
        return JSONResponse({"data": state.journal.find(query)})

    async def fail_next(request: Request) -> JSONResponse:
        data = await _json(request)
        target = data.get("target")
        known = set(engine.jobs.decls) | {d.resource for d in engine.jobs.decls.values()}
        if target not in known:
            raise ControlError(f"target must be a job operationId or resource: {sorted(known)}")
        count = int(_number(data, "count", 1))
        fail_next = state.jobs.fail_next
        fail_next[target] = fail_next.get(target, 0) + count
        return JSONResponse({"target": target, "fail_next": fail_next[target]})

    async def faults(request: Request) -> JSONResponse:
        if request.method == "DELETE":
            state.faults = {}
        elif request.method == "POST":
            data = await _json(request)
            operation = data.get("operation", "*")
            if operation != "*" and operation not in engine.plans:
                raise ControlError(f"unknown operation {operation!r}")
            try:
                state.faults[operation] = Fault.checked(data.get("delay_ms", 0), data.get("jitter_ms", 0),
                                                        data.get("status"), data.get("drop", False), data.get("count"))
            except FaultError as exc:
                raise ControlError(str(exc)) from None
        return JSONResponse({"faults": {k: vars(v) for k, v in state.faults.items()}})

    async def deliveries(request: Request) -> JSONResponse:
        await webhooks.deliver_due()
        return JSONResponse({"data": webhooks.summary()})

    async def on_error(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"message": str(exc)}, status_code=exc.status if isinstance(exc, ControlError) else 500)

    return Starlette(routes=[
        Route("/__mock", index),
        Route("/__mock/reset", reset_all, methods=["POST"]),
        Route("/__mock/clock", clock, methods=["GET", "POST"]),
        Route("/__mock/teams/{team}/credits", credits, methods=["GET", "PUT"]),
        Route("/__mock/requests", requests_log, methods=["GET", "DELETE"]),
        Route("/__mock/jobs/fail-next", fail_next, methods=["POST"]),
        Route("/__mock/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route("/__mock/webhooks", deliveries),
        *pages,
    ], exception_handlers={ControlError: on_error})
