"""The HTTP layer: connexion routes, authenticates and validates on a derived 3.0 view of the contract; every
operation resolves to one generic handler that turns the request into an engine `Call` and the `Reply` back
into a response. Errors raised by connexion are answered in the operation's documented envelopes."""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable

from connexion import AsyncApp
from connexion.options import SwaggerUIOptions
from connexion.context import scope as current_scope
from connexion.exceptions import (BadRequestProblem, ExtraParameterProblem, OAuthProblem, ProblemException,
                                  Unauthorized, UnsupportedMediaTypeProblem)
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.resolver import Resolver
from connexion.security import ApiKeySecurityHandler, BearerSecurityHandler
from starlette.exceptions import HTTPException
from starlette.responses import Response

from .engine import Call, Engine
from .openapi30 import to_openapi30
from .responses import Reply, encode
from .specdoc import SpecDocument
from .teams import Directory
from .validation import FieldProblem, PathProblem, validator_map

log = logging.getLogger("mockserver")


def security_map(directory: Directory) -> dict:
    """connexion resolves token checkers from dotted names in the spec; ours needs this app's directory."""

    def bearer_info(token: str, *args: Any, **kwargs: Any) -> dict | None:
        caller = directory.caller(token)
        return {"sub": caller.token, "caller": caller} if caller else None

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
            # `x-tokens: true`: the key is one of the fixtures' tokens (an API key header), unknown keys get 401
            return bearer_info if security_scheme.get("x-tokens") else api_key_info

    return {"bearer": Bearer, "apiKey": ApiKey}


class Coercer:
    """Query values arrive as strings; declarations compare typed values (`query.cache == false`)."""

    def __init__(self, doc: SpecDocument):
        self.types: dict[str, dict[str, str]] = {}
        for oid, op in doc.operations.items():
            table = {}
            for p in op.spec.get("parameters", []):
                schema = p.get("schema") or {}
                kind = schema.get("type")
                if isinstance(kind, list):
                    kind = next((k for k in kind if k != "null"), "string")
                table[p["name"]] = kind or "string"
            self.types[oid] = table

    def query(self, oid: str, items: list[tuple[str, str]]) -> dict[str, Any]:
        table = self.types.get(oid, {})
        out: dict[str, Any] = {}
        for name, value in items:
            kind = table.get(name, "string")
            if kind == "array" or name.endswith("[]"):
                out.setdefault(name, []).append(value)
                continue
            out[name] = _coerce(value, kind)
        return out


def _coerce(value: str, kind: str) -> Any:
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
    except ValueError:
        return value
    if kind == "boolean":
        return {"true": True, "false": False, "1": True, "0": False}.get(value.lower(), value)
    return value


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


class MockApp:
    def __init__(self, doc: SpecDocument, engine: Engine, directory: Directory):
        self.doc = doc
        self.engine = engine
        self.directory = directory
        self.coercer = Coercer(doc)
        self.observers: list[Callable[[str, Call, Reply], None]] = []
        self.interceptors: list[Callable[[str, dict], Awaitable[Reply | None]]] = []
        self.connexion = self._build()

    def _handler(self, operation_id: str) -> Callable:
        op = self.doc.operations[operation_id]
        engine = self.engine

        async def handle(*args: Any, **kwargs: Any) -> Response:
            scope = current_scope._get_current_object()
            for intercept in self.interceptors:
                early = await intercept(operation_id, scope)
                if early is not None:
                    return to_response(early)
            request = ConnexionRequest(scope)
            token_info = scope.get("extensions", {}).get("connexion_context", {}).get("token_info") or {}
            body = kwargs.get("body")
            call = Call(op, token_info.get("caller"), dict(scope.get("path_params") or {}),
                        self.coercer.query(operation_id, request.query_params.multi_items()), body,
                        parse_prefer(request.headers.get("prefer")))
            reply = engine.handle(call)
            for observe in self.observers:
                observe(operation_id, call, reply)
            return to_response(reply)

        handle.__name__ = operation_id
        return handle

    def _build(self) -> AsyncApp:
        app = AsyncApp(__name__, security_map=security_map(self.directory))
        app.add_api(
            to_openapi30(self.doc.raw),
            base_path=self.doc.base_path,
            resolver=Resolver(function_resolver=self._handler),
            strict_validation=True,
            validate_responses=False,
            validator_map=validator_map(),
            # connexion would serve its 3.0 view at /openapi.yaml; that path belongs to the 3.1 contract, which
            # Swagger UI shows instead.
            swagger_ui_options=SwaggerUIOptions(spec_path="/openapi-3.0-view.json",
                                                swagger_ui_config={"url": f"{self.doc.base_path}/openapi.yaml"}),
        )
        app.add_error_handler(ProblemException, self._problem)
        app.add_error_handler(HTTPException, self._http_error)
        app.add_error_handler(Exception, self._crash)
        return app

    def _operation(self, request: ConnexionRequest):
        routing = request.scope.get("extensions", {}).get("connexion_routing", {})
        return self.doc.operations.get(routing.get("operation_id") or "")

    async def _problem(self, request: ConnexionRequest, exc: ProblemException) -> ConnexionResponse:
        op = self._operation(request)
        errors = self.engine.errors
        if isinstance(exc, (OAuthProblem, Unauthorized)) or exc.status == 401:
            return to_problem_response(errors.reply(op, 401))
        if isinstance(exc, PathProblem) and op is not None:
            return to_problem_response(errors.reply(op, 404))
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

    def validation_reply(self, op, fields: dict[str, list[str]]) -> Reply:
        if op is None:
            return self.engine.errors.reply(None, 422, fields=fields)
        decl = self.engine.plans[op.operation_id].decl.validation
        status = decl.status
        if str(status) not in op.responses:
            status = next((s for s in (422, 400) if str(s) in op.responses), status)
        code = next((decl.codes[f.split(".")[0]] for f in fields if f.split(".")[0] in decl.codes), decl.default)
        return self.engine.errors.reply(op, status, code, fields=fields)

    async def _http_error(self, request: ConnexionRequest, exc: HTTPException) -> ConnexionResponse:
        return to_problem_response(self.engine.errors.reply(self._operation(request), exc.status_code))

    async def _crash(self, request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        log.exception("handler crashed", exc_info=exc)
        return to_problem_response(Reply(500, {"message": "Server error."}))
