"""Jobs move on the mock clock even when nobody asks: an ASGI middleware (Starlette style) that advances due jobs
before every request and keeps a background task ticking while the server runs, followed by what must follow
a tick (webhook deliveries, a durable flush), in the order given."""
from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Sequence

from starlette.types import ASGIApp, Receive, Scope, Send

from .jobs import Jobs

TICK_SECONDS = 0.2


class JobTicker:
    def __init__(self, app: ASGIApp, jobs: Jobs, after_tick: Sequence[Callable[[], object]] = (),
                 seconds: float = TICK_SECONDS) -> None:
        self.app = app
        self.jobs = jobs
        self.after_tick = tuple(after_tick)  # each may return an awaitable (webhook deliveries do)
        self.seconds = seconds
        self._task: asyncio.Task[None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if self._task is None or self._task.done():
                self._task = asyncio.get_running_loop().create_task(self._tick_forever())
            self.jobs.tick()
        await self.app(scope, receive, send)

    async def _tick_forever(self) -> None:
        while True:
            self.jobs.tick()
            for follow in self.after_tick:
                outcome = follow()
                if inspect.isawaitable(outcome):
                    await outcome
            await asyncio.sleep(self.seconds)
