"""Job queues (`x-mock-job.queue`): jobs wait in one state until one of a few workers is free, and workers take the
waiting job of the highest priority first (then the earliest).

A job's states split at the waiting state: those before it last `step-seconds` each from the start, those after
it `step-seconds` each from the moment a worker takes the job. The queue replays what happened on the mock
clock since it last looked (a clock jump of an hour plays out the hour in order), and forecasts the rest with
the same replay, which gives each waiting job its position and estimated completion.
"""
from __future__ import annotations

import math
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from contract import JobDecl, QueueDecl, iso_utc

from .store import Stored

Finish = Callable[[Stored, float], None]  # (record, when it finished)
End = Callable[[Stored], None]  # the record left its job's states (cancelled): the job ends, nothing fills


@dataclass
class Entry:
    stored: Stored
    decl: JobDecl
    started: float
    entered: float  # when it reaches the waiting state
    run_seconds: float
    run_start: float | None = None

    def done_at(self) -> float:
        return (self.run_start if self.run_start is not None else math.inf) + self.run_seconds


class JobQueue:
    def __init__(self, decl: QueueDecl, run_seconds: float):
        self.decl = decl
        self.nominal_run_seconds = run_seconds  # for the queue's status while it is empty
        self.entries: list[Entry] = []
        self.time: float | None = None  # how far the replay has got

    # -- membership ---------------------------------------------------------------------------------------------
    def add(self, stored: Stored, decl: JobDecl, now: float) -> None:
        self.entries = [e for e in self.entries if e.stored is not stored]
        wait_index = decl.states.index(self.decl.waiting)
        entered = now + wait_index * decl.step_seconds if wait_index else now
        entry = Entry(stored, decl, now, entered, run_seconds(decl))
        self.entries.append(entry)
        self.time = now  # the caller settled the queue up to now first
        self._write_state(entry, now)
        self._publish(now)

    def _rank(self, entry: Entry) -> tuple[int, float, int]:
        order = self.decl.order
        value = entry.stored.fields.get(self.decl.priority_field) if self.decl.priority_field else None
        return (order.index(value) if value in order else len(order), entry.entered, entry.stored.seq)

    # -- replay -------------------------------------------------------------------------------------------------
    def _replay(self, entries: list[Entry], start: float, until: float, finish: Finish) -> None:
        """Play the queue from `start` to `until`: workers take ready jobs, jobs finish, in time order."""
        t = start
        pending = list(entries)
        while True:
            busy = [e for e in pending if e.run_start is not None]
            ready = sorted((e for e in pending if e.run_start is None and e.entered <= t), key=self._rank)
            for entry in ready[: max(0, self.decl.workers - len(busy))]:
                entry.run_start = t
                busy.append(entry)
            events = [e.done_at() for e in busy] + [e.entered for e in pending if e.run_start is None and e.entered > t]
            t_next = min(events, default=math.inf)
            if t_next > until or math.isinf(t_next):
                return
            t = t_next
            for entry in [e for e in busy if e.done_at() <= t]:
                pending.remove(entry)
                finish(entry.stored, t)

    def settle(self, now: float, finish: Finish, end: End) -> None:
        """Bring every job of the queue to `now`: states, finished jobs, positions and estimates."""
        for entry in [e for e in self.entries if e.stored.fields.get(e.decl.field) not in e.decl.states]:
            self.entries.remove(entry)
            end(entry.stored)
        if self.time is not None and self.time < now:
            done: list[Entry] = []

            def finished(stored: Stored, at: float) -> None:
                done.extend(e for e in self.entries if e.stored is stored)
                finish(stored, at)

            self._replay(self.entries, self.time, now, finished)
            self.entries = [e for e in self.entries if e not in done]
            self.time = now
        for entry in self.entries:
            self._write_state(entry, now)
        self._publish(now)

    def _write_state(self, entry: Entry, now: float) -> None:
        decl, states = entry.decl, entry.decl.states
        wait_index = states.index(self.decl.waiting)
        if entry.run_start is None:
            if now >= entry.entered:
                index = wait_index
            else:
                index = min(wait_index - 1, int((now - entry.started) / decl.step_seconds))
            progress = 0
        else:
            elapsed = now - entry.run_start
            index = min(len(states) - 2, wait_index + 1 + int(elapsed / decl.step_seconds))
            progress = min(99, int(100 * elapsed / entry.run_seconds)) if entry.run_seconds else 99
        entry.stored.fields[decl.field] = states[index]
        if decl.progress_field:
            entry.stored.fields[decl.progress_field] = progress

    # -- forecasts ----------------------------------------------------------------------------------------------
    def _forecast(self, now: float, extra: Entry | None = None) -> dict[int, tuple[float | None, float]]:
        """id(entry) -> (when a worker takes it, when it finishes), if no other job arrives."""
        copies = {id(e): replace(e) for e in self.entries}
        trial = list(copies.values()) + ([extra] if extra else [])
        ends: dict[int, float] = {}
        def ended(stored: Stored, at: float) -> None:
            ends.setdefault(id(stored), at)

        self._replay(trial, now, math.inf, ended)
        out = {key: (c.run_start, ends.get(id(c.stored), math.inf)) for key, c in copies.items()}
        if extra is not None:
            out[id(extra)] = (extra.run_start, ends.get(id(extra.stored), math.inf))
        return out

    def _publish(self, now: float) -> None:
        """Write each job's queue position (1 = next; 0 = running) and estimated completion on its record."""
        if not (self.decl.position_field or self.decl.eta_field):
            return
        forecast = self._forecast(now)
        waiting = sorted((e for e in self.entries if e.run_start is None), key=self._rank)
        positions = {id(e): i + 1 for i, e in enumerate(waiting)}
        for entry in self.entries:
            done_at = forecast[id(entry)][1]
            if self.decl.position_field:
                _write(entry.stored, self.decl.position_field, positions.get(id(entry), 0))
            if self.decl.eta_field:
                _write(entry.stored, self.decl.eta_field, None if math.isinf(done_at) else iso_utc(done_at))

    def status(self, now: float) -> dict[str, float | int]:
        """Figures for an aggregate body (`{$expr: 'queue.wait_minutes'}`): jobs waiting and running, the
        processing time of a job and how long a new job would wait for a worker."""
        running = [e for e in self.entries if e.run_start is not None]
        duration = self.nominal_run_seconds
        if self.entries:
            duration = sum(e.run_seconds for e in self.entries) / len(self.entries)
        wait = 0.0
        if self.entries:  # when would a new job of the lowest priority get a worker?
            # a record that sorts after every other (seq) among the jobs of the lowest priority
            probe = Entry(Stored("", None, {}, None, sys.maxsize), self.entries[0].decl, now, now, duration)
            start = self._forecast(now, probe)[id(probe)][0]
            wait = 0.0 if start is None or math.isinf(start) else max(0.0, start - now)
        return {"waiting": len(self.entries) - len(running), "running": len(running),
                "run_seconds": duration, "run_minutes": round(duration / 60, 1),
                "wait_seconds": wait, "wait_minutes": round(wait / 60, 1), "workers": self.decl.workers}


def build_queues(decls: Mapping[str, JobDecl]) -> dict[tuple[str, str], JobQueue]:
    """One queue per (resource, state field): every operation that starts such a job (create, retry) feeds it."""
    queues: dict[tuple[str, str], JobQueue] = {}
    for decl in decls.values():
        if decl.queue and (decl.resource, decl.field) not in queues:
            queues[(decl.resource, decl.field)] = JobQueue(decl.queue, run_seconds(decl))
    return queues


def run_seconds(decl: JobDecl) -> float:
    """How long a worker holds a job: `step-seconds` for each state between the waiting and the last one."""
    assert decl.queue is not None
    return max(1, len(decl.states) - decl.states.index(decl.queue.waiting) - 2) * decl.step_seconds


def _write(stored: Stored, name: str, value: object) -> None:
    """Schema fields of the record take the value; other names are kept beside it (internal)."""
    (stored.fields if name in stored.fields else stored.internal)[name] = value
