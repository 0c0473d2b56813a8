"""Injected faults from the control API or the command line: latency (fixed plus jitter), a 429 or 5xx answer,
or a connection dropped mid-response, per operation (or `*` for all), optionally for the next N calls only."""
from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .responses import Reply

# connexion hands handlers a shallow copy of the scope; a dict inside it is shared with the outer layer
FLAGS = "mock.flags"
RETRY_AFTER_SECONDS = 1


class FaultError(ValueError):
    """A fault that cannot be set (the control API answers 422, the command line exits 2)."""


@dataclass
class Fault:
    delay_ms: int = 0
    status: int | None = None
    drop: bool = False
    remaining: int | None = None  # None: until cleared
    jitter_ms: int = 0  # plus a random delay of up to this many ms

    @classmethod
    def checked(cls, delay_ms: Any = 0, jitter_ms: Any = 0, status: Any = None, drop: Any = False,
                count: Any = None) -> Fault:
        """A fault from untrusted values (JSON, YAML, flags), each checked with a message naming it."""
        for name, value in (("delay_ms", delay_ms), ("jitter_ms", jitter_ms), ("count", count), ("status", status)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise FaultError(f"{name} must be a whole number >= 0")
        if status is not None and status != 429 and not 500 <= status <= 599:
            raise FaultError("status must be 429 or a 5xx code")
        if not isinstance(drop, bool):
            raise FaultError("drop must be true or false")
        if count == 0:
            raise FaultError("count must be at least 1 (leave it out for every call)")
        return cls(delay_ms or 0, status, drop, count, jitter_ms or 0)

    def describe(self) -> str:
        parts = [f"{self.delay_ms} ms" if self.delay_ms else "",
                 f"+ up to {self.jitter_ms} ms" if self.jitter_ms else "",
                 f"status {self.status}" if self.status else "", "dropped connection" if self.drop else "",
                 f"next {self.remaining} calls" if self.remaining is not None else ""]
        return ", ".join(p for p in parts if p) or "nothing"


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
        delay = fault.delay_ms + (random.uniform(0, fault.jitter_ms) if fault.jitter_ms else 0)
        if delay:
            await asyncio.sleep(delay / 1000)
        if fault.drop and FLAGS in scope:
            scope[FLAGS]["drop"] = True
        if fault.status:
            reply = self.answer(operation_id, fault.status) if self.answer else Reply(fault.status,
                                                                                   {"message": "Injected fault."})
            if fault.status == 429:  # a client's back-off reads it, as it would on a real limit
                reply.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return reply
        return None

    async def wrap(self, app, scope, receive, send) -> None:
        """Run the app; for a dropped connection send the response head but never its body, so the server
        closes the connection mid-response (the client sees a truncated answer)."""
        if not self.rules:  # nothing can drop this request: spare every response message a detour
            await app(scope, receive, send)
            return
        flags: dict[str, bool] = {}
        scope[FLAGS] = flags

        async def guarded_send(message):
            if message["type"] == "http.response.body" and flags.get("drop"):
                return
            await send(message)

        await app(scope, receive, guarded_send)
