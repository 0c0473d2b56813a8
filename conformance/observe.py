"""The response rules, applied to every answer the suite's own checks receive for a selected operation:
schemathesis' single-response checks (server error, status code, content type, headers, schema) and the error
vocabulary. A flow that polls a job or reads a deleted record is thereby also a contract test of every answer."""
from __future__ import annotations

from collections.abc import Callable

from contract import Contract

from . import vocabulary
from .findings import Finding, Results
from .stbridge import RESPONSE_CHECKS, ResponseChecks, error_vocabulary
from .target import Exchange

VOCABULARY = error_vocabulary.__name__


class Observer:
    def __init__(self, catalog: Contract, results: Results, checks: ResponseChecks, selected: list[str],
                 base_url: str, phase: Callable[[], str]):
        self.catalog = catalog
        self.results = results
        self.checks = checks
        self.selected = set(selected)
        self.base_url = base_url
        self.phase = phase  # the check whose flow is running, named in findings

    def __call__(self, exchange: Exchange) -> None:
        oid = exchange.operation
        if oid not in self.selected:
            return
        failed = {}
        for name, message in self.checks.failures(exchange):
            failed.setdefault(name, []).append(message)
        for check in RESPONSE_CHECKS:
            name = check.__name__
            for message in failed.get(name, []):
                self.results.failed(Finding(oid, name, message, exchange.curl(self.base_url), self.phase()))
            if name not in failed:
                self.results.passed(oid, name)
        if exchange.status >= 400:
            problems = vocabulary.problems(self.catalog.documented(oid, exchange.status), exchange.status,
                                           exchange.json())
            for message in problems:
                self.results.failed(Finding(oid, VOCABULARY, message, exchange.curl(self.base_url), self.phase()))
            if not problems:
                self.results.passed(oid, VOCABULARY)
