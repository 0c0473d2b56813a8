"""Asynchronous job state machines (`x-mock-job`): a record's state field walks the declared states on the mock clock.

A job's state is a function of the time since it started, so reading a record after the clock jumps shows
the right state at once; a ticker advances running jobs too, so completions fire (deferred credits, webhooks)
even when nobody polls.
"""
from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from contract import JobDecl, iso_utc

from .queue import JobQueue
from .state import JobBook, MockState
from .store import Stored
from .values import apply_writes

Completion = Callable[[Stored, JobDecl, bool], None]  # (record, its job, whether it failed)


class Jobs:
    """The job machine: declarations and what to do when a job ends; the jobs under way are the state's."""

    def __init__(self, state: MockState, decls: Mapping[str, JobDecl], generate: Callable[[str, str], object],
                 on_complete: Sequence[Completion] = ()):
        self.state = state
        self.decls = dict(decls)  # operationId -> job declaration (a copy: a defect may swap one)
        self.generate = generate  # (resource, field) -> value
        self.on_complete = tuple(on_complete)

    @property
    def book(self) -> JobBook:
        return self.state.jobs

    def now(self) -> float:
        return self.state.clock.now()

    def start(self, stored: Stored, op_id: str) -> None:
        decl = self.decls[op_id]
        book = self.book
        fail = self._take_failure(op_id) or self._take_failure(decl.resource)
        stored.job = {"op": op_id, "started": self.now(), "fail": fail, "done": False}
        stored.fields[decl.field] = decl.states[0]
        book.running[(stored.resource, stored.key)] = stored
        if decl.queue:
            self._settle(book.queues[(decl.resource, decl.field)]).add(stored, decl, self.now())
            return
        self._schedule(stored, decl)

    def _schedule(self, stored: Stored, decl: JobDecl) -> None:
        job, now = stored.job, self.now()
        assert job is not None
        steps = int((now - job["started"]) / decl.step_seconds) + 1
        when = job["started"] + steps * decl.step_seconds
        # strictly later than now, even where float rounding lands `when` on it: tick must not spin
        heapq.heappush(self.book.due, (max(when, now + 1e-6), next(self.book.order), stored, job))

    def _take_failure(self, name: str) -> bool:
        fail_next = self.book.fail_next
        left = fail_next.get(name, 0)
        if left <= 0:
            return False
        fail_next[name] = left - 1
        return True

    def advance(self, stored: Stored) -> None:
        job = stored.job
        if not job or job["done"] or self.book.frozen:
            return
        decl = self.decls[job["op"]]
        if decl.queue:
            self._settle(self.book.queues[(decl.resource, decl.field)])
            return
        if stored.fields.get(decl.field) not in decl.states:
            self._end(stored)  # an action moved the record out of its job (cancelled): nothing fills it
            return
        steps = int((self.now() - job["started"]) / decl.step_seconds)
        last = len(decl.states) - 1
        if steps < last:
            stored.fields[decl.field] = decl.states[steps]
            if decl.progress_field:
                stored.fields[decl.progress_field] = int(100 * steps / last)
            return
        self._finish(stored)

    def _settle(self, queue: JobQueue) -> JobQueue:
        """The queue, played up to now (a reset drops the records it held)."""
        running = self.book.running
        queue.entries = [e for e in queue.entries if running.get((e.stored.resource, e.stored.key)) is e.stored]
        queue.settle(self.now(), self._finish, self._end)
        return queue

    def _end(self, stored: Stored) -> None:
        assert stored.job is not None
        stored.job["done"] = True
        self.book.running.pop((stored.resource, stored.key), None)

    def _finish(self, stored: Stored, at: float | None = None) -> None:
        """The job reaches its last state (or its failure state) at `at` (default now): fill, then the hooks."""
        job = stored.job
        assert job is not None
        decl = self.decls[job["op"]]
        last = len(decl.states) - 1
        job["done"] = True
        self.book.running.pop((stored.resource, stored.key), None)
        now_iso = iso_utc(at) if at is not None else self.state.clock.now_iso()
        gen = lambda name: self.generate(stored.resource, name)  # noqa: E731
        if job["fail"] and decl.failure is not None:
            stored.fields[decl.field] = decl.failure
            apply_writes(decl.fail_fill, stored.fields, now_iso, gen)
        else:
            stored.fields[decl.field] = decl.states[last]
            if decl.progress_field:
                stored.fields[decl.progress_field] = 100
            apply_writes(decl.fill, stored.fields, now_iso, gen)
        if "updated_at" in stored.fields:
            stored.fields["updated_at"] = now_iso
        for hook in self.on_complete:
            hook(stored, decl, bool(job["fail"]))

    def complete(self, stored: Stored) -> None:
        """The record's running job reaches its end now (a caller that blocks until it is done)."""
        if stored.job and not stored.job["done"]:
            self._finish(stored)

    def tick(self) -> None:
        book = self.book
        if book.frozen:
            return
        now, due = self.now(), book.due
        while due and due[0][0] <= now:
            _, _, stored, job = heapq.heappop(due)
            if stored.job is not job or book.running.get((stored.resource, stored.key)) is not stored:
                continue  # restarted, finished by a read, or dropped by a reset
            self.advance(stored)
            if not job["done"]:
                self._schedule(stored, self.decls[job["op"]])
        for queue in book.queues.values():
            if queue.entries:
                self._settle(queue)

    def resume(self, stored: Stored) -> None:
        """A job restored mid-way (persistence.py) runs on: its record says where it was; a queued job's place in
        its queue comes back with the queue's entries."""
        assert stored.job is not None
        decl = self.decls[stored.job["op"]]
        self.book.running[(stored.resource, stored.key)] = stored
        if not decl.queue:
            self._schedule(stored, decl)

    def hang(self, op_id: str) -> None:
        """Defect support: jobs of this operation never leave their first state."""
        self.decls[op_id] = replace(self.decls[op_id], step_seconds=float("inf"))
