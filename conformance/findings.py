"""What a run found: an outcome per operation × check (passed, failed, skipped, errored) and the findings behind
each failure, deduplicated so a thousand fuzzed cases with one cause read as one finding."""
from __future__ import annotations

from dataclasses import dataclass, field

# Worst first: how a finding ranks in the report's "worst finding" column.
SEVERITY = {
    "not_a_server_error": 0, "team_isolation": 0, "ignored_auth": 0,
    "credit_cost": 1, "credit_refusal": 1, "async_contract": 1, "resource_lifecycle": 1,
    "response_schema_conformance": 1, "use_after_free": 1, "ensure_resource_availability": 1,
    "status_code_conformance": 2, "error_vocabulary": 2, "throttle_limit": 2, "negative_data_rejection": 2,
    "content_type_conformance": 2, "throttle_headers": 3, "response_headers_conformance": 3,
}
SEVERITY_NAMES = ("critical", "high", "medium", "low")


@dataclass
class Finding:
    operation: str
    check: str
    message: str
    curl: str | None = None
    phase: str = ""
    count: int = 1

    @property
    def severity(self) -> str:
        return SEVERITY_NAMES[SEVERITY.get(self.check, 2)]

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


@dataclass
class Outcome:
    runs: int = 0
    findings: list[Finding] = field(default_factory=list)
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


class Results:
    def __init__(self, operations: list[str]):
        self.operations = operations
        self.outcomes: dict[tuple[str, str], Outcome] = {}

    def _outcome(self, operation: str, check: str) -> Outcome:
        return self.outcomes.setdefault((operation, check), Outcome())

    def passed(self, operation: str, check: str, count: int = 1) -> None:
        self._outcome(operation, check).runs += count

    def failed(self, finding: Finding) -> None:
        outcome = self._outcome(finding.operation, finding.check)
        outcome.runs += 1
        for known in outcome.findings:
            if known.key == finding.key:
                known.count += 1
                return
        outcome.findings.append(finding)

    def skipped(self, operation: str, check: str, reason: str) -> None:
        outcome = self._outcome(operation, check)
        if outcome.skipped is None:
            outcome.skipped = reason

    def errored(self, operation: str, check: str, message: str) -> None:
        self._outcome(operation, check).errors.append(message)

    def for_operation(self, operation: str) -> dict[str, Outcome]:
        return {check: o for (op, check), o in sorted(self.outcomes.items()) if op == operation}

    @property
    def findings(self) -> list[Finding]:
        return [f for o in self.outcomes.values() for f in o.findings]

    @property
    def errors(self) -> list[tuple[str, str, str]]:
        return [(op, check, e) for (op, check), o in self.outcomes.items() for e in o.errors]

    @property
    def checks_run(self) -> int:
        return sum(1 for o in self.outcomes.values() if o.status in ("passed", "failed"))

    @property
    def exit_code(self) -> int:
        return 1 if self.findings or self.errors else 0
