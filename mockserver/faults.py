"""Injected faults from the control API: latency, a 5xx answer, or a connection dropped mid-response, per
operation (or `*` for all), optionally for the next N calls only."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from .responses import Reply

# set on the request's scope by `wrap`, read by `before`: whether this answer's body is dropped
FLAGS = "mock.flags"


@dataclass
class Fault:
    delay_ms: int = 0
    status: int | None = None
    drop: bool = False
    remaining: int | None = None  # None: until cleared


class Faults:
    def __init__(self, answer: Callable[[str, int], Reply] | None = None) -> None:
        self.rules: dict[str, Fault] = {}
        self.answer = answer  # (operationId, status) -> the documented error, in the API's own envelope

    def set(self, operation: str, fault: Fault) -> None:
        self.rules[operation] = fault

    def clear(self) -> None:
        self.rules.clear()

    async def before(self, operation_id: str, scope: dict) -> Reply | None:
        fault = self.rules.get(operation_id) or self.rules.get("*")
        if fault is None:
            return None
        if fault.remaining is not None:
            fault.remaining -= 1
            if fault.remaining <= 0:
                self.rules = {k: v for k, v in self.rules.items() if v is not fault}
        if fault.delay_ms:
            await asyncio.sleep(fault.delay_ms / 1000)
        if fault.drop and FLAGS in scope:
            scope[FLAGS]["drop"] = True
        if fault.status:
            if self.answer:
                return self.answer(operation_id, fault.status)
            return Reply(fault.status, {"message": "Injected fault."})
        return None

    async def wrap(self, app, scope, receive, send) -> None:
        """Run the app; for a dropped connection send the response head but never its body, so the server
        closes the connection mid-response (the client sees a truncated answer)."""
        if not self.rules:  # nothing can drop this request: spare every response message a detour
            await app(scope, receive, send)
            return
        flags = scope[FLAGS] = {}

        async def guarded_send(message):
            if message["type"] == "http.response.body" and flags.get("drop"):
                return
            await send(message)

        await app(scope, receive, guarded_send)
