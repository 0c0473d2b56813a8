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
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.media_types import YAML_MEDIA_TYPES
from schemathesis.specs.openapi import checks as openapi_checks

from contract import Contract, path_values

from . import vocabulary
from .checks import names
from .target import MAX_RETRIES, Exchange, Pace, Patience, retry_after

# The single-response rules (checks.names.RESPONSE_RULES) as schemathesis implements them.
RESPONSE_CHECKS: dict[str, Callable[..., Any]] = {
    names.NOT_A_SERVER_ERROR: base_checks.not_a_server_error,
    names.STATUS_CODE_CONFORMANCE: openapi_checks.status_code_conformance,
    names.CONTENT_TYPE_CONFORMANCE: openapi_checks.content_type_conformance,
    names.RESPONSE_HEADERS_CONFORMANCE: openapi_checks.response_headers_conformance,
    names.RESPONSE_SCHEMA_CONFORMANCE: openapi_checks.response_schema_conformance,
}


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


Served = Callable[[str, Any, dict[str, Any]], None]  # (operationId, JSON body, path values) of a 2xx answer


@dataclass
class RunContext:
    catalog: Contract
    patience: Patience
    callback_url: str | None = None  # where bodies that name a webhook URL point it: the suite's own receiver
    on_served: Served | None = None  # told of every served answer to schemathesis' requests
    last_request: str | None = None  # "METHOD path" of schemathesis' latest request, for a partial report
    pace: Pace | None = None  # the run's rate limit: every request schemathesis sends waits for its slot


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
def _wait_out_rate_limits(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    run = _context(case)
    if run is None:
        return
    oid = case.operation.definition.raw.get("operationId")
    run.last_request = f"{case.method.upper()} {case.formatted_path}"
    if run.pace is not None:
        run.pace.wait()
    webhook = run.catalog.decls[oid].webhook if oid in run.catalog.decls else None
    if webhook is not None and run.callback_url and isinstance(case.body, dict) and webhook.url_field in case.body:
        case.body[webhook.url_field] = run.callback_url
    kwargs.setdefault("hooks", {"response": [_resend_after(run, oid, dict(case.path_parameters or {}))]})


def _resend_after(run: RunContext, oid: str, path: dict[str, Any]) -> Callable[..., Any]:
    """A response hook (requests' hook, so the auth probes schemathesis sends on the same transport get it too):
    a 429 with Retry-After is waited out and sent again; a served answer is reported for clean-up."""
    def on_response(response: Any, **send_kwargs: Any) -> Any:
        for _ in range(MAX_RETRIES):
            delay = retry_after(response.headers) if response.status_code == 429 else None
            if delay is None or not run.patience.wait(delay):
                break
            if run.pace is not None:
                run.pace.wait()
            response = response.connection.send(response.request, **send_kwargs)
        if run.on_served is not None and 200 <= response.status_code < 300 \
                and "Authorization" in response.request.headers:
            try:
                body = response.json()
            except ValueError:
                body = None
            run.on_served(oid, body, path)
        return response
    return on_response


AUTH_PROBES = 2  # requests `ignored_auth` sends per case with a bearer scheme: without a token, with a wrong one
RATE_LIMITED_PAUSE = 1.0  # seconds before probes that met a 429 are sent again (the probe's Retry-After is not kept)
_builtin_ignored_auth = base_checks.CHECKS.get_one("ignored_auth")
base_checks.CHECKS.unregister("ignored_auth")


@schemathesis.check
def ignored_auth(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schemathesis' own `ignored_auth`, with its probes (sent without our request hooks) sent again when a rate
    limit refused them: a 429 says nothing about authentication."""
    run = _context(case)
    for attempt in range(MAX_RETRIES + 1):
        if run is not None and run.pace is not None:
            for _ in range(AUTH_PROBES):
                run.pace.wait()
        try:
            result: bool | None = _builtin_ignored_auth(ctx, response, case)
            return result
        except Failure as failure:
            limited = "`429 " in failure.message
            if not limited or run is None or attempt == MAX_RETRIES or not run.patience.wait(RATE_LIMITED_PAUSE):
                raise
    return None


@schemathesis.deserializer(*YAML_MEDIA_TYPES)
def _yaml_or_text(ctx: Any, response: Any) -> Any:
    """A YAML body whose documented schema is a string is the document's text (as conformance.contract reads
    it); other YAML bodies are parsed."""
    text = response.content.decode(response.encoding or "utf-8")
    content = ctx.operation.definition.raw.get("responses", {}).get(str(response.status_code), {}).get("content", {})
    schema = next((m.get("schema") or {} for name, m in content.items() if "yaml" in name), {})
    return text if schema.get("type") == "string" else deserialize_yaml(text)


def load(run: RunContext, config: dict[str, Any]) -> Any:
    """The run's schemathesis schema, registered so the hooks above know the run."""
    raw = copy.deepcopy(run.catalog.doc.raw)
    schema = schemathesis.openapi.from_dict(raw, config=SchemathesisConfig.from_dict(config))
    _RUNS[id(schema.raw_schema)] = run
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
        for name, check in RESPONSE_CHECKS.items():
            try:
                case.validate_response(exchange.response, checks=[check])
            except FailureGroup as group:
                found.extend((name, f"{f.title}\n{f.message}".strip()) for f in group.exceptions)
        return found
