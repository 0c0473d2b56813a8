"""What a check's flow works with: the contract, the target, the records discovery found, the run's gates and
where outcomes go."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from contract import Contract, Expression, QueryTypes

from ..discovery import Known
from ..findings import Finding, Results
from ..gates import Gates
from ..requestgen import PreparedRequest
from ..target import Exchange, Target
from .names import CheckName


@dataclass
class Context:
    catalog: Contract
    target: Target
    known: Known
    results: Results
    selected: list[str]
    gates: Gates
    job_timeout: float
    coercer: QueryTypes

    def blocked(self, oid: str) -> str | None:
        """Why this run may not call `oid` for real (a gate it lacks), else None."""
        return self.gates.blocked(self.catalog, oid)

    def skip_if_blocked(self, oid: str, check: CheckName) -> bool:
        reason = self.blocked(oid)
        if reason:
            self.results.skipped(oid, check, reason)
        return reason is not None

    def finding(self, oid: str, check: CheckName, message: str, exchange: Exchange | None = None) -> None:
        self.results.failed(Finding.of_exchange(oid, check, message, exchange, self.target.base_url, phase=check))

    def cost(self, oid: str, expr: Expression, request: PreparedRequest, path: dict[str, Any],
             record: dict[str, Any] | None) -> int:
        """A credit expression evaluated over the request the way x-mock-credits defines it (ceil, never
        negative)."""
        query_text = urlsplit(request.path).query
        env = {"body": request.json if isinstance(request.json, dict) else {},
               "query": self.coercer.query(oid, parse_qsl(query_text, keep_blank_values=True)),
               "path": path, "record": record or {}}
        try:
            return max(0, int(math.ceil(float(expr.evaluate(env) or 0))))
        except (TypeError, ValueError):
            return 0
