"""The response rules, applied to every answer the suite's own checks receive for a selected operation:
schemathesis' single-response checks (server error, status code, content type, headers, schema), the error
vocabulary, and `--max-response-time`. A flow that polls a job or reads a deleted record is thereby also a
contract test of every answer."""
from __future__ import annotations

from collections.abc import Callable

from contract import Contract

from . import vocabulary
from .checks.names import ERROR_VOCABULARY, MAX_RESPONSE_TIME, RESPONSE_RULES
from .findings import Finding, Results
from .stbridge import ResponseChecks
from .target import Exchange


class Observer:
    def __init__(self, catalog: Contract, results: Results, checks: ResponseChecks, selected: list[str],
                 base_url: str, phase: Callable[[], str], max_response_time: float | None = None):
        self.catalog = catalog
        self.results = results
        self.checks = checks
        self.selected = set(selected)
        self.base_url = base_url
        self.phase = phase  # the check whose flow is running, named in findings
        self.max_response_time = max_response_time

    def _failed(self, exchange: Exchange, check: str, message: str) -> None:
        self.results.failed(Finding.of_exchange(exchange.operation, check, message, exchange, self.base_url,
                                                self.phase()))

    def __call__(self, exchange: Exchange) -> None:
        oid = exchange.operation
        if oid not in self.selected:
            return
        failed: dict[str, list[str]] = {}
        for name, message in self.checks.failures(exchange):
            failed.setdefault(name, []).append(message)
        for name in RESPONSE_RULES:
            for message in failed.get(name, []):
                self._failed(exchange, name, message)
            if name not in failed:
                self.results.passed(oid, name)
        if exchange.status >= 400:
            problems = vocabulary.problems(self.catalog.documented(oid, exchange.status), exchange.status,
                                           exchange.json())
            for message in problems:
                self._failed(exchange, ERROR_VOCABULARY, message)
            if not problems:
                self.results.passed(oid, ERROR_VOCABULARY)
        if self.max_response_time is not None:
            elapsed = exchange.response.elapsed.total_seconds()
            if elapsed > self.max_response_time:
                self._failed(exchange, MAX_RESPONSE_TIME, f"answered in {elapsed:.2f} s; --max-response-time is "
                             f"{self.max_response_time:g} s")
            else:
                self.results.passed(oid, MAX_RESPONSE_TIME)
