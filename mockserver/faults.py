"""Injected faults from the control API: latency, a 5xx answer, or a connection dropped mid-response, per
operation (or `*` for all), optionally for the next N calls only."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass

from .responses import Reply

DROP_FLAG = "mock.drop"


class ConnectionDropped(Exception):
    """Raised after the response has started, so the server aborts the connection."""


@dataclass
class Fault:
    delay_ms: int = 0
    status: int | None = None
    drop: bool = False
    remaining: int | None = None  # None: until cleared


class Faults:
    def __init__(self) -> None:
        self.rules: dict[str, Fault] = {}

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
        if fault.drop:
            scope[DROP_FLAG] = True
        if fault.status:
            return Reply(fault.status, {"message": "Injected fault."})
        return None

    async def wrap(self, app, scope, receive, send) -> None:
        async def guarded_send(message):
            await send(message)
            if message["type"] == "http.response.start" and scope.get(DROP_FLAG):
                raise ConnectionDropped()

        try:
            await app(scope, receive, guarded_send)
        except ConnectionDropped:
            pass
