"""Assembles a mock for one spec: contract, state, engine, HTTP layer, control API, and the ASGI middleware
around them (control routing, durability, the job ticker, injected faults)."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, cast

from starlette.types import ASGIApp, Receive, Scope, Send

from contract import Contract

from .clock import Clock
from .control import ControlMiddleware, control_app
from .defects import apply_defects
from .factory import build_engine
from .faults import FaultMiddleware, operation_router
from .front import front_door
from .http import MockApp
from .pages import page_routes, state_page
from .persistence import DurableMiddleware, Persistence, attach
from .responses import Reply
from .seeding import seed
from .state import MockState
from .teams import directory_for
from .ticker import JobTicker
from .webhooks import Webhooks

SPEC_DOCUMENT_PATHS = ("/openapi.yaml", "/openapi.json")


class Mock:
    """One running mock: everything a request or the control API can touch is `state`."""

    def __init__(self, spec_path: str | Path, fixtures: str | Path | None = None, seed_value: int = 0,
                 defects: tuple[str, ...] = (), state: str | None = None, webhook_transport: Any = None,
                 cors: bool = True, extra_fields: bool = False):
        started = time.perf_counter()
        self.spec_path = Path(spec_path)
        self.contract = Contract.load(self.spec_path)
        self.doc = self.contract.doc
        self.resources, self.decls = self.contract.resources, self.contract.decls
        self.directory = directory_for(self.spec_path, fixtures)
        self.seed_value = seed_value
        self.jobs_declared = {oid: d.job for oid, d in self.decls.items() if d.job}
        self.state = MockState.fresh(seed_value, self.jobs_declared)
        self.webhooks = Webhooks(self.state, {oid: d.webhook for oid, d in self.decls.items() if d.webhook},
                                 webhook_transport)
        self.engine = build_engine(self.contract, self.state, on_job_end=(self.webhooks.job_ended,))
        self.engine.extra_fields = extra_fields
        self._serve_own_document()
        self.http = MockApp(self.doc, self.engine, self.directory)
        self.defects = apply_defects(self.engine, defects)
        self.persistence: Persistence | None = None
        if state:
            self.persistence = attach(self.state, self.engine.jobs, state, self.spec_path, self.directory)
        if not self.persistence or not self.persistence.restored:
            self.reset()
        self.control = control_app(self.state, self.engine, self.directory, self.webhooks, self.reset, self._about,
                                   lambda: state_page(self), page_routes(self))
        self.app = front_door(self._middleware(), self.doc, self.state, self.http, self.directory, cors)
        self.startup_seconds = time.perf_counter() - started

    @property
    def clock(self) -> Clock:
        return self.state.clock

    # -- state ------------------------------------------------------------------------------------------------
    def reset(self) -> int:
        """Back to the fixtures: a fresh state (same seed, same wall clock), seeded; the count of records."""
        self.state.become(MockState.fresh(self.seed_value, self.jobs_declared, self.state.clock.wall))
        count = seed(self.engine, self.directory)
        if self.persistence:
            self.persistence.snapshot()
        return count

    def _serve_own_document(self) -> None:
        """The mock answers its spec's own document path with the contract itself (the 3.1 original)."""
        # kept as the file's bytes: decoded, one emoji makes Python store every character in 4 bytes (3.2 MB)
        document = self.spec_path.read_bytes()
        for op in self.doc.operations.values():
            if op.method == "get" and op.path in SPEC_DOCUMENT_PATHS:
                status = op.success_status()
                media = next(iter(op.responses[status].get("content") or {"application/yaml": {}}))
                self.engine.bodies.fix(op, status, media, document)

    def _about(self) -> dict[str, Any]:
        return {"spec": str(self.spec_path), "operations": len(self.doc.operations), "defects": list(self.defects),
                "startup_seconds": round(self.startup_seconds, 3)}

    # -- ASGI -------------------------------------------------------------------------------------------------
    def _middleware(self) -> ASGIApp:
        """From the outside in: durability (every answer, the control API's too), control routing, the job
        ticker, injected faults, then the HTTP layer."""
        def fault_answer(operation_id: str, status: int) -> Reply:
            return self.engine.errors.reply(self.doc.operations[operation_id], status)

        http = cast(ASGIApp, self.http)  # an ASGI app that types its scope as the dict servers pass
        app: ASGIApp = FaultMiddleware(http, self.state, operation_router(self.http.router), fault_answer)
        after_tick: list[Any] = [self.webhooks.deliver_due]
        if self.persistence:
            after_tick.append(self.persistence.flush)
        app = JobTicker(app, self.engine.jobs, after_tick)
        app = ControlMiddleware(app, self.control)
        if self.persistence:
            app = DurableMiddleware(app, self.persistence)
        return app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
