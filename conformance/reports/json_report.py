"""`--json PATH`: one JSON document when the run finishes: the run's facts, the findings grouped by root cause,
every finding, the skips and errors; `state` is `partial` when the run stopped early."""
from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from ..events import RunInfo
from ..findings import Finding, Results
from .final import FinalReport


def finding_dict(finding: Finding) -> dict[str, Any]:
    return {"operation": finding.operation, "check": finding.check, "severity": finding.severity,
            "title": finding.title, "message": finding.message, "phase": finding.phase, "count": finding.count,
            "response": finding.response, "curl": finding.curl}


class JsonReport(FinalReport):
    def render(self, results: Results, info: RunInfo) -> str:
        document = {
            "state": info.state, "run": asdict(info), "exit_code": results.exit_code,
            "root_causes": [{"check": g.check, "cause": g.cause, "operations": g.operations,
                             "findings": len(g.findings)} for g in results.groups()],
            "findings": [finding_dict(f) for f in results.findings],
            "accepted": [finding_dict(f) for f in results.accepted],
            "skipped": [{"operation": op, "check": check, "reason": o.skipped}
                        for (op, check), o in results.outcomes.items() if o.status == "skipped"],
            "errors": [{"operation": op, "check": check, "message": m} for op, check, m in results.errors],
        }
        return json.dumps(document, indent=2) + "\n"
