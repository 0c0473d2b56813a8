"""Injected faults from the control API or the command line: latency (fixed plus jitter), a 429 or 5xx answer,
or a connection dropped mid-response, per operation (or `*` for all), optionally for the next N calls only.

An ASGI middleware in the Starlette style: it sits in front of the HTTP layer, so a fault strikes before the
request is authenticated or validated, as a failing server or network would.
"""
from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .http import send_reply
from .responses import Reply
from .routes import Router, split
from .state import Fault, MockState

RETRY_AFTER_SECONDS = 1


class FaultMiddleware:
    def __init__(self, app: ASGIApp, state: MockState, operation_of: Callable[[Scope], str | None],
                 answer: Callable[[str, int], Reply]) -> None:
        self.app = app
        self.state = state
        self.operation_of = operation_of  # the operationId a request addresses, if any
        self.answer = answer  # (operationId, status) -> the documented error, in the API's own envelope

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rules = self.state.faults
        if scope["type"] != "http" or not rules:  # nothing to inject: spare every request the look-up
            await self.app(scope, receive, send)
            return
        operation_id = self.operation_of(scope)
        fault = (rules.get(operation_id) if operation_id else None) or rules.get("*")
        if fault is None or operation_id is None:
            await self.app(scope, receive, send)
            return
        self._spend(fault)
        delay = fault.delay_ms + (random.uniform(0, fault.jitter_ms) if fault.jitter_ms else 0)
        if delay:
            await asyncio.sleep(delay / 1000)
        if fault.drop:
            send = _headless(send)
        if fault.status:
            reply = self.answer(operation_id, fault.status)
            if fault.status == 429:  # a client's back-off reads it, as it would on a real limit
                reply.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            await send_reply(reply, send)
            return
        await self.app(scope, receive, send)

    def _spend(self, fault: Fault) -> None:
        if fault.remaining is not None:
            fault.remaining -= 1
            if fault.remaining <= 0:
                self.state.faults = {k: v for k, v in self.state.faults.items() if v is not fault}


def _headless(send: Send) -> Send:
    """`send` that lets the response head out but never its body, so the server closes the connection
    mid-response (the client sees a truncated answer)."""
    async def send_head_only(message: Message) -> None:
        if message["type"] != "http.response.body":
            await send(message)

    return send_head_only


def operation_router(router: Router[Any]) -> Callable[[Scope], str | None]:
    """The operationId a request addresses, found by the HTTP layer's router before the HTTP layer runs."""
    def operation_of(scope: Scope) -> str | None:
        raw = scope.get("raw_path")
        relative = router.relative(raw.decode("latin-1").split("?", 1)[0] if raw else scope.get("path", ""))
        if relative is None:
            return None
        route, _, _ = router.find(scope.get("method", "").lower(), split(relative))
        return route.op.operation_id if route is not None else None

    return operation_of
