"""Asynchronous job state machines (`x-job`): a record's state field walks the declared states on the mock clock.

A job's state is a function of the time since it started, so reading a record after the clock jumps shows
the right state at once; a ticker advances running jobs too, so completions fire (deferred credits, webhooks)
even when nobody polls.
"""
from __future__ import annotations

from typing import Callable

from .declarations import JobDecl
from .store import Store, Stored
from .values import apply_writes

Completion = Callable[[Stored, JobDecl, bool], None]


class Jobs:
    def __init__(self, store: Store, decls: dict[str, JobDecl], now: Callable[[], float], now_iso: Callable[[], str],
                 generate: Callable[[str, str], object]):
        self.store = store
        self.decls = decls  # operationId -> job declaration
        self.now = now
        self.now_iso = now_iso
        self.generate = generate  # (resource, field) -> value
        self.fail_next: dict[str, int] = {}  # operationId or resource -> how many next jobs fail
        self.frozen: bool = False
        self.running: dict[tuple[str, object], Stored] = {}
        self.on_complete: list[Completion] = []

    def start(self, stored: Stored, op_id: str) -> None:
        decl = self.decls[op_id]
        fail = self._take_failure(op_id) or self._take_failure(decl.resource)
        stored.job = {"op": op_id, "started": self.now(), "fail": fail, "done": False}
        stored.fields[decl.field] = decl.states[0]
        self.running[(stored.resource, stored.key)] = stored

    def _take_failure(self, name: str) -> bool:
        left = self.fail_next.get(name, 0)
        if left <= 0:
            return False
        self.fail_next[name] = left - 1
        return True

    def advance(self, stored: Stored) -> None:
        job = stored.job
        if not job or job["done"] or self.frozen:
            return
        decl = self.decls[job["op"]]
        steps = int((self.now() - job["started"]) / decl.step_seconds)
        last = len(decl.states) - 1
        if steps < last:
            stored.fields[decl.field] = decl.states[steps]
            return
        job["done"] = True
        self.running.pop((stored.resource, stored.key), None)
        now_iso = self.now_iso()
        gen = lambda name: self.generate(stored.resource, name)  # noqa: E731
        if job["fail"] and decl.failure is not None:
            stored.fields[decl.field] = decl.failure
            apply_writes(decl.fail_fill, stored.fields, now_iso, gen)
        else:
            stored.fields[decl.field] = decl.states[last]
            apply_writes(decl.fill, stored.fields, now_iso, gen)
        if "updated_at" in stored.fields:
            stored.fields["updated_at"] = now_iso
        for hook in self.on_complete:
            hook(stored, decl, bool(job["fail"]))

    def tick(self) -> None:
        for stored in list(self.running.values()):
            self.advance(stored)

    def hang(self, op_id: str) -> None:
        """Defect support: jobs of this operation never leave their first state."""
        self.decls[op_id].step_seconds = float("inf")
