"""`MockState`: everything a request (or the control API) can change, as one object.

The engine, the job machine, the webhooks, the fault middleware and the control API hold the one `MockState` of
their mock and read its parts through it on every use, so a reset swaps the parts (`MockState.become`) and
nobody keeps an old one. Persistence (persistence.py) and the reset walk `dataclasses.fields(MockState)`
instead of naming the parts, so a part added here cannot be forgotten there (a test checks persistence
accounts for every field).
"""
from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from contract import Generator, JobDecl

from .clock import Clock, Wall
from .journal import Journal
from .ledger import Ledger
from .queue import JobQueue, build_queues
from .store import Store, Stored
from .throttle import Throttle


@dataclass
class JobBook:
    """The jobs under way: what the job machine (jobs.py) works on."""
    queues: dict[tuple[str, str], JobQueue]  # x-mock-job.queue: jobs that wait for a worker (queue.py)
    running: dict[tuple[str, Any], Stored] = field(default_factory=dict)
    fail_next: dict[str, int] = field(default_factory=dict)  # operationId or resource -> how many next jobs fail
    frozen: bool = False
    # (mock time of a job's next state change, tie-break, record, job): a tick looks only at what is due
    due: list[tuple[float, int, Stored, dict[str, Any]]] = field(default_factory=list)
    order: itertools.count[int] = field(default_factory=itertools.count)


@dataclass
class Delivery:
    """One signed webhook callback and its attempts (webhooks.py)."""
    url: str
    body: bytes
    headers: dict[str, str]
    retry_seconds: tuple[float, ...]
    due: float
    attempts: list[dict[str, Any]] = field(default_factory=list)
    done: bool = False
    shown: tuple[Stored, str] | None = None  # the record and its field that show the delivery state


class FaultError(ValueError):
    """A fault that cannot be set (the control API answers 422, the command line exits 2)."""


@dataclass
class Fault:
    """An injected fault (faults.py): latency (fixed plus jitter), a 429 or 5xx answer, or a dropped connection."""
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


@dataclass
class MockState:
    store: Store
    ledger: Ledger
    throttle: Throttle  # the rate-limit windows
    jobs: JobBook
    clock: Clock  # offset and frozen instant (the wall it reads is the process's)
    journal: Journal  # every exchange with the API, for /__mock/requests and the state page
    webhooks: list[Delivery]
    faults: dict[str, Fault]  # operationId or "*" -> the fault its next calls get
    generator: Generator  # seeded: the same seed makes the same data after a reset as at start

    @classmethod
    def fresh(cls, seed: int, jobs: Mapping[str, JobDecl], wall: Wall | None = None) -> MockState:
        """An empty state: no records, no balances, the clock at real time, the generator at `seed`."""
        clock = Clock(wall) if wall else Clock()
        return cls(store=Store(), ledger=Ledger(), throttle=Throttle(), jobs=JobBook(build_queues(jobs)),
                   clock=clock, journal=Journal(clock.now_iso), webhooks=[], faults={}, generator=Generator(seed))

    def become(self, other: MockState) -> None:
        """Take every part of `other`: whoever holds this state sees the new parts from now on."""
        for part in fields(self):
            setattr(self, part.name, getattr(other, part.name))


class StateGenerator:
    """The generator of whatever state the mock holds now, for what is built once and lives across resets (the
    response bodies and the errors): they would otherwise keep drawing from the generator of the first state."""

    def __init__(self, state: MockState):
        self.state = state

    def value(self, schema: Any, name: str = "", depth: int = 0) -> Any:
        return self.state.generator.value(schema, name, depth)
