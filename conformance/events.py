"""What happens in a run, as events: the runner, the schemathesis driver and the checks emit them; every report
(conformance.reports) is a handler that listens. Schemathesis' CLI writes its reports the same way
(`cli/commands/run/handlers/`)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .findings import Finding, Results


@dataclass
class RunInfo:
    base_url: str
    spec: str
    target: str  # mock | staging
    flags: list[str]
    seconds: float = 0.0
    fuzz_requests: int = 0  # sent by schemathesis' phases (its checks' own probes not counted)
    own_requests: int = 0  # sent by the suite's own checks
    credits_spent: dict[str, int] = field(default_factory=dict)  # by part of the run, where the balance was read
    budget: str = ""
    partial: str | None = None  # why the run stopped early; None when it ran to the end
    last_request: str | None = None
    created: int = 0  # records the run created
    remaining: list[str] = field(default_factory=list)  # of those, the ones it could not delete
    stale_baseline: list[str] = field(default_factory=list)  # baseline entries expired or matching nothing

    @property
    def state(self) -> str:
        return "partial" if self.partial else "complete"


@dataclass(frozen=True)
class RunStarted:
    info: RunInfo
    operations: list[str]


@dataclass(frozen=True)
class PhaseStarted:
    name: str
    total: int


@dataclass(frozen=True)
class Step:
    label: str


@dataclass(frozen=True)
class PhaseFinished:
    name: str


@dataclass(frozen=True)
class Outcome:
    """One result of one check on one operation: passed, failed (with its finding), skipped or errored (with the
    reason), or accepted (a finding the baseline accepts)."""
    operation: str
    check: str
    status: str
    finding: Finding | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Note:
    text: str


@dataclass(frozen=True)
class RunFinished:
    info: RunInfo
    results: Results


Event = RunStarted | PhaseStarted | Step | PhaseFinished | Outcome | Note | RunFinished


class Handler(Protocol):
    def handle(self, event: Event) -> None: ...


class Bus:
    """Hands every event to every handler, in order. A handler that fails does not silence the others: reports
    are always written."""

    def __init__(self, handlers: Iterable[Handler] = ()):
        self.handlers = list(handlers)
        self.failures: list[str] = []

    def emit(self, event: Event) -> None:
        for handler in self.handlers:
            try:
                handler.handle(event)
            except OSError as exc:  # a report that cannot be written; the run and the other reports go on
                self.failures.append(f"{type(handler).__name__}: {exc}")
