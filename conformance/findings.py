"""What a run found: an outcome per operation × check (passed, failed, skipped, errored, or accepted by the
baseline) and the findings behind each failure, deduplicated so a thousand fuzzed cases with one cause read as
one finding, and grouped by root cause across operations. Every outcome is also emitted as an event for the
reports."""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .events import Bus, Outcome

if TYPE_CHECKING:
    from .baseline import Baseline
    from .target import Exchange

# Worst first: how a finding ranks in the report's "worst finding" column.
SEVERITY = {
    "not_a_server_error": 0, "team_isolation": 0, "ignored_auth": 0, "transport": 0,
    "acceptance": 1, "credit_cost": 1, "credit_refusal": 1, "async_contract": 1, "resource_lifecycle": 1,
    "response_schema_conformance": 1, "use_after_free": 1, "ensure_resource_availability": 1,
    "status_code_conformance": 2, "error_vocabulary": 2, "throttle_limit": 2, "negative_data_rejection": 2,
    "content_type_conformance": 2, "max_response_time": 2, "throttle_headers": 3,
    "response_headers_conformance": 3,
}
SEVERITY_NAMES = ("critical", "high", "medium", "low")
_VARIABLE = re.compile(r"'[^']*'|\"[^\"]*\"|\b\d+(\.\d+)?\b")


@dataclass
class Finding:
    operation: str
    check: str
    message: str
    curl: str | None = None
    phase: str = ""
    count: int = 1
    response: str | None = None  # "STATUS\nbody excerpt" of the answer that failed, where there was one

    @classmethod
    def of_exchange(cls, oid: str, check: str, message: str, exchange: Exchange | None, base_url: str,
                    phase: str) -> Finding:
        if exchange is None:
            return cls(oid, check, message, None, phase)
        return cls(oid, check, message, exchange.curl(base_url), phase,
                   response=f"{exchange.status}\n{exchange.body_excerpt()}")

    @property
    def severity(self) -> str:
        return SEVERITY_NAMES[self.rank]

    @property
    def rank(self) -> int:
        return SEVERITY.get(self.check, 2)

    @property
    def title(self) -> str:
        return self.lines[0] if self.lines else self.check

    @property
    def lines(self) -> list[str]:
        return [line.strip() for line in self.message.splitlines() if line.strip()]

    @property
    def key(self) -> str:
        """Findings with the same first two lines (what failed, and how) are one finding seen several times."""
        return " ".join(self.lines[:2])

    @property
    def cause(self) -> str:
        """The finding's title with its variable parts (quoted values, numbers) blanked: one cause shared by
        operations."""
        return _VARIABLE.sub("…", self.title)


@dataclass
class OutcomeState:
    runs: int = 0
    findings: list[Finding] = field(default_factory=list)
    accepted: list[Finding] = field(default_factory=list)
    skipped: str | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.errors:
            return "error"
        if self.findings:
            return "failed"
        if self.runs:
            return "passed"
        return "skipped"


@dataclass
class Group:
    """One root cause: a rule and a cause, and the operations where it was seen."""
    check: str
    cause: str
    findings: list[Finding]

    @property
    def operations(self) -> list[str]:
        return sorted({f.operation for f in self.findings})

    @property
    def rank(self) -> int:
        return self.findings[0].rank


class Results:
    def __init__(self, operations: list[str], bus: Bus | None = None, baseline: Baseline | None = None,
                 excluded: set[str] | None = None):
        self.operations = operations
        self.bus = bus or Bus()
        self.baseline = baseline
        self.excluded = excluded or set()  # checks --exclude-check leaves out: nothing of them is recorded
        self.outcomes: dict[tuple[str, str], OutcomeState] = {}
        self._lock = threading.RLock()  # the own checks record from several threads

    def _outcome(self, operation: str, check: str) -> OutcomeState:
        return self.outcomes.setdefault((operation, check), OutcomeState())

    def passed(self, operation: str, check: str, count: int = 1) -> None:
        if check in self.excluded:
            return
        with self._lock:
            self._outcome(operation, check).runs += count
        self.bus.emit(Outcome(operation, check, "passed"))

    def failed(self, finding: Finding) -> None:
        if finding.check in self.excluded:
            return
        with self._lock:
            outcome = self._outcome(finding.operation, finding.check)
            outcome.runs += 1
            accepted = self.baseline is not None and self.baseline.accepts(finding)
            bucket = outcome.accepted if accepted else outcome.findings
            for known in bucket:
                if known.key == finding.key:
                    known.count += 1
                    return
            bucket.append(finding)
        self.bus.emit(Outcome(finding.operation, finding.check, "accepted" if accepted else "failed", finding))

    def skipped(self, operation: str, check: str, reason: str) -> None:
        if check in self.excluded:
            return
        with self._lock:
            outcome = self._outcome(operation, check)
            if outcome.skipped is not None:
                return
            outcome.skipped = reason
        self.bus.emit(Outcome(operation, check, "skipped", reason=reason))

    def errored(self, operation: str, check: str, message: str) -> None:
        if check in self.excluded:
            return
        with self._lock:
            self._outcome(operation, check).errors.append(message)
        self.bus.emit(Outcome(operation, check, "errored", reason=message))

    def for_operation(self, operation: str) -> dict[str, OutcomeState]:
        return {check: o for (op, check), o in sorted(self.outcomes.items()) if op == operation}

    @property
    def findings(self) -> list[Finding]:
        return [f for o in list(self.outcomes.values()) for f in o.findings]

    @property
    def accepted(self) -> list[Finding]:
        return [f for o in list(self.outcomes.values()) for f in o.accepted]

    def groups(self) -> list[Group]:
        """Findings by root cause, worst first, then the most widespread."""
        by_cause: dict[tuple[str, str], list[Finding]] = {}
        for finding in self.findings:
            by_cause.setdefault((finding.check, finding.cause), []).append(finding)
        groups = [Group(check, cause, found) for (check, cause), found in by_cause.items()]
        return sorted(groups, key=lambda g: (g.rank, -len(g.operations), g.check, g.cause))

    @property
    def errors(self) -> list[tuple[str, str, str]]:
        return [(op, check, e) for (op, check), o in list(self.outcomes.items()) for e in o.errors]

    @property
    def checks_run(self) -> int:
        return sum(1 for o in list(self.outcomes.values()) if o.status in ("passed", "failed"))

    @property
    def exit_code(self) -> int:
        return 1 if self.findings or self.errors else 0
