"""Assembles a mock for one spec: declarations, store, fixtures, engine, HTTP layer and control API."""
from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from contract import Contract, Generator

from .clock import Clock
from .control import control_app
from .defects import apply_defects
from .engine import Engine
from .faults import Faults
from .front import front_door
from .http import MockApp
from .journal import Journal
from .keys import KeyCheck
from .ledger import Ledger
from .request_id import RequestIds
from .seeding import seed
from .store import Store
from .teams import Directory, default_fixtures
from .webhooks import Webhooks

SPEC_DOCUMENT_PATHS = ("/openapi.yaml", "/openapi.json")
TICK_SECONDS = 0.2


class Mock:
    """One running mock: everything a request or the control API can touch."""

    def __init__(self, spec_path: str | Path, fixtures: str | Path | None = None, seed_value: int = 0,
                 defects: tuple[str, ...] = (), state: str | None = None, webhook_transport: Any = None,
                 cors: bool = True):
        started = time.perf_counter()
        self.spec_path = Path(spec_path)
        self.contract = Contract.load(self.spec_path)
        self.doc = self.contract.doc
        self.resources, self.decls = self.contract.resources, self.contract.decls
        self.directory = Directory.from_file(fixtures or default_fixtures(self.spec_path))
        self.seed_value = seed_value
        self.clock = Clock()
        self.engine = Engine(self.doc.operations, self.decls, self.resources, Store(), Ledger(), self.clock,
                             Generator(seed_value))
        self._serve_own_document()
        if self.contract.request_id:
            self.engine.errors.finishers.append(RequestIds(self.contract.request_id).stamp)
        self.webhooks = Webhooks(self.clock.now, webhook_transport)
        self.engine.jobs.on_complete.append(self._job_finished)
        self.faults = Faults(lambda oid, status: self.engine.errors.reply(self.doc.operations.get(oid), status))
        self.journal = Journal(self.clock.now_iso)
        self.http = MockApp(self.doc, self.engine, self.directory)
        self.http.interceptors.append(self.faults.before)
        keys = KeyCheck(self.doc, self.directory, self.engine.errors)
        if keys.headers:  # an unknown key is refused even when another security alternative passes
            self.http.interceptors.insert(0, keys.before)
        self.defects = apply_defects(self, defects)
        self.persistence = None
        if state:
            from .persistence import attach

            self.persistence = attach(self, state)
        if not self.persistence or not self.persistence.restored:
            self.reset()
        self.control = control_app(self)
        # Seam (issue 16, mockserver/front.py): the journal and CORS wrap the mock as ASGI middleware.
        self.front = front_door(self, self._serve, cors)
        self._ticker: asyncio.Task | None = None
        self.startup_seconds = time.perf_counter() - started

    # -- state ------------------------------------------------------------------------------------------------
    def reset(self) -> int:
        engine = self.engine
        engine.store = engine.jobs.store = Store()
        engine.ledger = Ledger()
        engine.generator = Generator(self.seed_value)
        engine.throttle.reset()
        engine.jobs.running.clear()
        engine.jobs.fail_next.clear()
        engine.jobs.frozen = False
        self.faults.clear()
        self.webhooks.deliveries.clear()
        self.journal.clear()
        self.clock.offset, self.clock.frozen_at = 0.0, None
        count = seed(engine, self.directory)
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

    def _job_finished(self, stored, job, failed: bool) -> None:
        decl = self.decls[stored.job["op"]]
        if decl.webhook:
            self.webhooks.enqueue(decl.webhook, stored)

    # -- ASGI -------------------------------------------------------------------------------------------------
    async def __call__(self, scope, receive, send) -> None:
        await self.front(scope, receive, send)

    async def _serve(self, scope, receive, send) -> None:
        if self.persistence and scope["type"] == "http":
            send = self.persistence.durable(send)  # an answer starts only once its writes are on disk
        if scope["type"] == "http" and scope["path"].startswith("/__mock"):
            await self.control(scope, receive, send)
            return
        if scope["type"] == "http":
            self._ensure_ticker()
            self.engine.jobs.tick()
            # connexion records the routed operation in scope["extensions"]; a server that sends no extensions
            # (uvicorn) would get a fresh dict its error handlers never see, and errors lose their envelope.
            scope.setdefault("extensions", {})
        await self.faults.wrap(self.http.connexion, scope, receive, send)

    def _ensure_ticker(self) -> None:
        if self._ticker is None or self._ticker.done():
            self._ticker = asyncio.get_running_loop().create_task(self._tick_forever())

    async def _tick_forever(self) -> None:
        while True:
            self.engine.jobs.tick()
            await self.webhooks.deliver_due()
            if self.persistence:
                self.persistence.flush()
            await asyncio.sleep(TICK_SECONDS)
