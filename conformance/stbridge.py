"""Schemathesis, fitted to this suite: the schema loaded with the run's configuration, our error-vocabulary rule
as a schemathesis check, Retry-After handled by the suite's own patience (a jump of the mock clock against the
mock), YAML bodies read as text where the spec says so, and the built-in response checks applied to responses
our own checks receive.

Schemathesis registers checks, deserializers and `before_call` hooks process-wide; what they need to know about
a run (its catalog, its patience) is looked up by the raw spec dictionary the run's schema was loaded from,
which every clone of that schema shares.
"""
from __future__ import annotations

import ast
import copy
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import schemathesis
from schemathesis import checks as base_checks
from schemathesis.config import SchemathesisConfig
from schemathesis.core import NOT_SET
from schemathesis.core.deserialization import deserialize_yaml
from schemathesis.core.failures import FailureGroup
from schemathesis.core.media_types import YAML_MEDIA_TYPES
from schemathesis.specs.openapi import checks as openapi_checks

from contract import Contract, path_values

from . import vocabulary
from .target import MAX_RETRIES, Exchange, Patience, retry_after

# The built-in checks the issue asks for; `ensure_resource_availability` follows create → read links too.
BUILTIN_CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
                  "response_headers_conformance", "response_schema_conformance", "negative_data_rejection",
                  "ignored_auth", "use_after_free", "ensure_resource_availability")
# The ones that judge a single response, so they also apply to responses of the suite's own checks.
RESPONSE_CHECKS = (base_checks.not_a_server_error, openapi_checks.status_code_conformance,
                   openapi_checks.content_type_conformance, openapi_checks.response_headers_conformance,
                   openapi_checks.response_schema_conformance)


def _one_parse_at_a_time() -> None:
    """CPython before 3.12 builds parsed ASTs with a recursion counter the threads share (gh-106905):
    hypothesis parses lambda sources from schemathesis' worker threads, and two at once fail with 'AST
    constructor recursion depth mismatch'. Parsing under one lock avoids it."""
    parse, lock = ast.parse, threading.Lock()

    def locked(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return parse(*args, **kwargs)

    ast.parse = locked


if sys.version_info < (3, 12):
    _one_parse_at_a_time()


@dataclass
class RunContext:
    catalog: Contract
    patience: Patience


_RUNS: dict[int, RunContext] = {}


def _context(case: Any) -> RunContext | None:
    return _RUNS.get(id(case.operation.schema.raw_schema))


@schemathesis.check
def error_vocabulary(ctx: Any, response: Any, case: Any) -> bool | None:
    """Error answers use the documented envelope and one of the codes the spec lists for that status."""
    run = _context(case)
    oid = case.operation.definition.raw.get("operationId") if run else None
    if run is None or oid not in run.catalog.ops or response.status_code < 400:
        return True
    try:
        body = response.json()
    except Exception:  # a non-JSON error body: the envelope rule reports it below
        body = None
    found = vocabulary.problems(run.catalog.documented(oid, response.status_code), response.status_code, body)
    if found:
        raise AssertionError("\n".join(found))
    return None


@schemathesis.hook("before_call")
def _wait_out_rate_limits(context: Any, case: Any, kwargs: dict) -> None:
    run = _context(case)
    if run is not None:
        kwargs.setdefault("hooks", {"response": [_resend_after(run.patience)]})


def _resend_after(patience: Patience) -> Callable:
    def on_response(response: Any, **send_kwargs: Any) -> Any:
        for _ in range(MAX_RETRIES):
            delay = retry_after(response.headers) if response.status_code == 429 else None
            if delay is None or not patience.wait(delay):
                break
            response = response.connection.send(response.request, **send_kwargs)
        return response
    return on_response


@schemathesis.deserializer(*YAML_MEDIA_TYPES)
def _yaml_or_text(ctx: Any, response: Any) -> Any:
    """A YAML body whose documented schema is a string is the document's text (as conformance.contract reads
    it); other YAML bodies are parsed."""
    text = response.content.decode(response.encoding or "utf-8")
    content = ctx.operation.definition.raw.get("responses", {}).get(str(response.status_code), {}).get("content", {})
    schema = next((m.get("schema") or {} for name, m in content.items() if "yaml" in name), {})
    return text if schema.get("type") == "string" else deserialize_yaml(text)


def load(catalog: Contract, patience: Patience, config: dict) -> Any:
    """The run's schemathesis schema, registered so the hooks above know the run."""
    raw = copy.deepcopy(catalog.doc.raw)
    schema = schemathesis.openapi.from_dict(raw, config=SchemathesisConfig.from_dict(config))
    _RUNS[id(schema.raw_schema)] = RunContext(catalog, patience)
    return schema


def unload(schema: Any) -> None:
    _RUNS.pop(id(schema.raw_schema), None)


class ResponseChecks:
    """Schemathesis' single-response checks, applied to an exchange of the suite's own checks."""

    def __init__(self, schema: Any, catalog: Contract):
        self.schema = schema
        self.catalog = catalog

    def failures(self, exchange: Exchange) -> list[tuple[str, str]]:
        """(check name, message) for every check the response fails; empty when it passes them all."""
        op = self.catalog.ops[exchange.operation]
        operation = self.schema.find_operation_by_id(exchange.operation)
        case = operation.Case(path_parameters=path_values(op.path, exchange.request.path),
                              body=exchange.request.json if exchange.request.json is not None else NOT_SET,
                              media_type="application/json" if exchange.request.json is not None else None)
        found = []
        exchange.response.request.read()  # a multipart body is a stream; the checks read it like any body
        for check in RESPONSE_CHECKS:
            try:
                case.validate_response(exchange.response, checks=[check])
            except FailureGroup as group:
                found.extend((check.__name__, f"{f.title}\n{f.message}".strip()) for f in group.exceptions)
        return found
