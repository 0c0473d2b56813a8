"""The HTTP layer: connexion routes, authenticates and validates on a derived 3.0 view of the contract; every
operation resolves to one generic handler that turns the request into an engine `Call` and the `Reply` back
into a response. Errors raised by connexion are answered in the operation's documented envelopes."""
from __future__ import annotations

import inspect
import logging
import re
import sys
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from connexion.exceptions import (
    BadRequestProblem,
    ExtraParameterProblem,
    OAuthProblem,
    ProblemException,
    Unauthorized,
    UnsupportedMediaTypeProblem,
)
from connexion.frameworks.starlette import IntegerConverter
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.middleware import ConnexionMiddleware
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from connexion.security import ApiKeySecurityHandler, BearerSecurityHandler
from starlette.exceptions import HTTPException
from starlette.responses import Response

from contract import Operation, QueryTypes, SpecDocument

from .direct import Handler, direct_app
from .engine import Call, Engine
from .openapi30 import to_openapi30
from .responses import Reply, encode
from .teams import Directory
from .validation import FieldProblem, PathProblem, validator_map
from .viewcheck import fast_view_check

log = logging.getLogger("mockserver")
# The router converts an integer path segment with int(), which raises on more than 4300 digits (Python's guard
# against slow conversions) and so answered 500; no id is that long, so such a segment is an unknown id (404).
IntegerConverter.regex = rf"[+-]?[0-9]{{1,{sys.get_int_max_str_digits() or 100_000}}}"


def fixed_signature(func: Callable) -> Callable:
    """connexion inspects token checkers on every request; a stored signature is read 4× faster."""
    func.__signature__ = inspect.signature(func)
    return func


def security_map(directory: Directory) -> dict:
    """connexion resolves token checkers from dotted names in the spec; ours needs this app's directory."""

    @fixed_signature
    def bearer_info(token: str, *args: Any, **kwargs: Any) -> dict | None:
        caller = directory.caller(token)
        return {"sub": caller.token, "caller": caller} if caller else None

    @fixed_signature
    def api_key_info(key: str, *args: Any, **kwargs: Any) -> dict | None:
        caller = directory.caller(key)  # a known token also works as a key (APIs that take both)
        if caller:
            return {"sub": caller.token, "caller": caller}
        return {"sub": "api-key", "caller": None} if key else None

    class Bearer(BearerSecurityHandler):
        def _resolve_func(self, security_scheme):
            return bearer_info

    class ApiKey(ApiKeySecurityHandler):
        def _resolve_func(self, security_scheme):
            # `x-mock-tokens: true`: the key is one of the fixtures' tokens (an API key header), unknown keys get 401
            return bearer_info if security_scheme.get("x-mock-tokens") else api_key_info

    return {"bearer": Bearer, "apiKey": ApiKey}


def header_value(scope: dict, name: bytes) -> str | None:
    """One request header, straight from the ASGI scope (names arrive lower-case)."""
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def parse_prefer(header: str | None) -> dict[str, str]:
    if not header:
        return {}
    out = {}
    for part in header.split(","):
        if "=" in part:
            k, v = part.split("=", 1)
            out[k.strip().lower()] = v.strip().strip('"')
    return {k: v for k, v in out.items() if k in ("code", "example", "dynamic")}


def to_problem_response(reply: Reply) -> ConnexionResponse:
    """Error handlers hand connexion its own response type; it converts it to Starlette's."""
    return ConnexionResponse(status_code=reply.status, mimetype=reply.media, body=encode(reply.media, reply.body),
                             headers=reply.headers)


def to_response(reply: Reply) -> Response:
    body = encode(reply.media, reply.body)
    media = reply.media if reply.body is not None else None
    if reply.status in (204, 304):
        body, media = b"", None
    return Response(body, status_code=reply.status, media_type=media, headers=reply.headers)


def route_table(doc: SpecDocument) -> list[tuple[re.Pattern, tuple[bool, ...], Operation]]:
    """Each operation's path as a pattern over request paths, with its specificity (a static segment ranks before
    a parameter, as the router ranks them): for answers the router gives without naming an operation."""
    table = []
    for op in doc.operations.values():
        pattern = re.escape(doc.base_path) + re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(op.path)) + "$"
        table.append((re.compile(pattern), tuple(part.startswith("{") for part in op.path.split("/")), op))
    return table


class MockApp:
    def __init__(self, doc: SpecDocument, engine: Engine, directory: Directory):
        self.doc = doc
        self.routes = route_table(doc)
        self.engine = engine
        self.directory = directory
        self.coercer = QueryTypes(doc)
        self.observers: list[Callable[[str, Call, Reply], None]] = []
        self.interceptors: list[Callable[[str, dict], Awaitable[Reply | None]]] = []
        self.connexion = self._build()

    def _handler(self, operation_id: str) -> Handler:
        op = self.doc.operations[operation_id]
        engine = self.engine

        async def handle(scope: dict, body: Any) -> Response:
            for intercept in self.interceptors:
                early = await intercept(operation_id, scope)
                if early is not None:
                    return to_response(early)
            token_info = scope.get("extensions", {}).get("connexion_context", {}).get("token_info") or {}
            query = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
            call = Call(op, token_info.get("caller"), dict(scope.get("path_params") or {}),
                        self.coercer.query(operation_id, query), body, parse_prefer(header_value(scope, b"prefer")))
            reply = engine.handle(call)
            for observe in self.observers:
                observe(operation_id, call, reply)
            return to_response(reply)

        return handle

    def _build(self) -> ConnexionMiddleware:
        app = direct_app(import_name=__name__, security_map=security_map(self.directory))
        view = to_openapi30(self.doc.raw)
        with fast_view_check(view):
            self._add_api(app, view)
        app.add_error_handler(ProblemException, self._problem)
        app.add_error_handler(HTTPException, self._http_error)
        app.add_error_handler(Exception, self._crash)
        return app

    def _add_api(self, app: ConnexionMiddleware, view: dict) -> None:
        app.add_api(
            view,
            base_path=self.doc.base_path,
            resolver=Resolver(function_resolver=self._handler),
            strict_validation=True,
            validate_responses=False,
            validator_map=validator_map(frozenset(oid for oid, op in self.doc.operations.items()
                                                  if self.validation_status(op) is None)),
            # connexion would serve its 3.0 view at /openapi.yaml; that path belongs to the 3.1 contract, which
            # Swagger UI shows instead. showExtensions puts each node's x-mock-source / x-mock-assumed beside it,
            # so a reader sees which fields and statuses the docs promise and which are our assumptions.
            swagger_ui_options=SwaggerUIOptions(spec_path="/openapi-3.0-view.json",
                                                swagger_ui_config={"url": f"{self.doc.base_path}/openapi.yaml",
                                                                   "showExtensions": True}),
        )

    def _operation(self, request: ConnexionRequest):
        routing = request.scope.get("extensions", {}).get("connexion_routing", {})
        return self.doc.operations.get(routing.get("operation_id") or "")

    async def _problem(self, request: ConnexionRequest, exc: ProblemException) -> ConnexionResponse:
        op = self._operation(request)
        errors = self.engine.errors
        if isinstance(exc, (OAuthProblem, Unauthorized)) or exc.status == 401:
            return to_problem_response(errors.reply(op, 401))
        if isinstance(exc, PathProblem) and op is not None:
            return to_problem_response(self._unknown(op, exc.param))
        if isinstance(exc, FieldProblem):
            fields = exc.fields
        elif isinstance(exc, ExtraParameterProblem):
            fields = {"query": [str(exc.detail)]}
        elif isinstance(exc, UnsupportedMediaTypeProblem):
            fields = {"content_type": [f"Unsupported content type: {exc.detail}"]}
        elif isinstance(exc, BadRequestProblem) or 400 <= exc.status < 500:
            fields = {"body": [str(exc.detail or exc.title)]}
        else:
            log.error("unexpected problem: %r", exc)
            return to_problem_response(errors.reply(op, exc.status))
        return to_problem_response(self.validation_reply(op, fields))

    def validation_status(self, op) -> int | None:
        """The documented status that answers invalid input to `op`: x-mock-validation's, else 422, else 400."""
        declared = self.engine.plans[op.operation_id].decl.validation.status
        return next((s for s in (declared, 422, 400) if str(s) in op.responses), None)

    def validation_reply(self, op, fields: dict[str, list[str]]) -> Reply:
        if op is None:
            return self.engine.errors.reply(None, 422, fields=fields)
        decl = self.engine.plans[op.operation_id].decl.validation
        status = self.validation_status(op) or decl.status
        code = next((decl.codes[f.split(".")[0]] for f in fields if f.split(".")[0] in decl.codes), decl.default)
        return self.engine.errors.reply(op, status, code, fields=fields)

    async def _http_error(self, request: ConnexionRequest, exc: HTTPException) -> ConnexionResponse:
        # the path as sent: an encoded slash (`..%2F1`) is part of a parameter, not a separator
        raw = request.scope.get("raw_path")
        ops = self._documented(raw.decode("latin-1") if raw else request.scope.get("path", ""))
        method = request.scope.get("method", "").lower()
        op = self._operation(request) or next((o for o in ops if o.method == method), None)
        if exc.status_code == 404 and op is not None:
            # a path parameter the router's converter refused (`/audits/abc` for an integer id): an unknown record
            return to_problem_response(self._unknown(op))
        reply = self.engine.errors.reply(op, exc.status_code)
        if exc.status_code == 405:  # RFC 9110: a 405 lists the methods the resource has
            methods = {o.method.upper() for o in ops} | ({"HEAD"} if any(o.method == "get" for o in ops) else set())
            reply.headers["Allow"] = ", ".join(sorted(methods))
        return to_problem_response(reply)

    def _documented(self, path: str) -> list[Operation]:
        """The operations of the most specific documented path that matches a request path."""
        found = [(rank, op) for pattern, rank, op in self.routes if pattern.match(path)]
        best = min((rank for rank, _ in found), default=None)
        return [op for rank, op in found if rank == best]

    def _unknown(self, op: Operation, param: str | None = None) -> Reply:
        """The answer to a path parameter that names no record: the `missing` refusal of the resource it names
        (the record's, or its parent's for `parent-param`; the record's when the parameter is not known)."""
        binding = self.engine.plans[op.operation_id].decl.binding
        name = None
        if binding:
            names_parent = binding.parent_param and (param == binding.parent_param or not binding.id_param)
            name = self.engine.parent_of(binding)[0] if names_parent else binding.resource
        missing = self.engine.resources[name].missing if name in self.engine.resources else None
        return self.engine.errors.reply(op, missing.status if missing else 404, missing.code if missing else None)

    async def _crash(self, request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        log.exception("handler crashed", exc_info=exc)
        return to_problem_response(Reply(500, {"message": "Server error."}))
