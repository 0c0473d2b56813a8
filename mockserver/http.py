"""The HTTP layer: a plain ASGI app that runs, per request, one plan compiled at start-up for its operation:
route, security (a token lookup), parameters, body, then the engine. Nothing is decided per request that could
be decided once: the route table, the credential readers, the parameter parsers and the validators (jsonschema-rs,
against the 3.1 contract itself) are all built when the mock starts.

Refusals are answered in the operation's documented envelopes: 401 for credentials, the documented validation
status (x-mock-validation's, else 422, else 400) for invalid input, the missing refusal of the record a path
parameter names for an id that cannot exist, and the API's plain 404/405 outside every documented path.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.datastructures import Headers

from contract import Operation, QueryTypes, SpecDocument

from .engine import Call, Engine
from .responses import Reply, encode
from .routes import Router, split
from .security import Refused, Schemes, Security
from .teams import Directory
from .validation import Body, Parameters, PathProblem, Problem

log = logging.getLogger("mockserver")
REFERENCE = "/__mock/reference"  # the API reference page (pages.py): Swagger UI 5, which reads OpenAPI 3.1


def parse_prefer(header: str | None) -> dict[str, str]:
    if not header:
        return {}
    out = {}
    for part in header.split(","):
        if "=" in part:
            k, v = part.split("=", 1)
            out[k.strip().lower()] = v.strip().strip('"')
    return {k: v for k, v in out.items() if k in ("code", "example", "dynamic")}


def response_head(reply: Reply) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Status, headers and body as the server sends them (Starlette's rules for length and text charsets)."""
    body = encode(reply.media, reply.body)
    media = reply.media if reply.body is not None else None
    if reply.status in (204, 304):
        body, media = b"", None
    headers = [(k.lower().encode("latin-1"), str(v).encode("latin-1")) for k, v in reply.headers.items()]
    names = {k for k, _ in headers}
    if b"content-length" not in names and not (reply.status < 200 or reply.status in (204, 304)):
        headers.append((b"content-length", str(len(body)).encode()))
    if media is not None and b"content-type" not in names:
        if media.startswith("text/") and "charset=" not in media.lower():
            media += "; charset=utf-8"
        headers.append((b"content-type", media.encode("latin-1")))
    return reply.status, headers, body


async def send_reply(reply: Reply, send: Callable) -> None:
    status, headers, body = response_head(reply)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@dataclass
class OperationPlan:
    """Everything a request to one operation needs, built once."""
    op: Operation
    security: Security
    params: Parameters
    body: Body | None


class MockApp:
    def __init__(self, doc: SpecDocument, engine: Engine, directory: Directory):
        self.doc = doc
        self.engine = engine
        self.directory = directory
        self.coercer = QueryTypes(doc)
        schemes = Schemes(doc, directory)
        components = doc.raw.get("components") if isinstance(doc.raw.get("components"), dict) else None
        plans = []
        for op in doc.operations.values():
            security = Security(op, schemes)
            lenient = self.validation_status(op) is None
            body = op.spec.get("requestBody")
            plans.append((op, OperationPlan(
                op, security, Parameters(op.spec.get("parameters") or [], lenient, security.query_names, components),
                Body(body, components) if isinstance(body, dict) and body.get("content") else None)))
        self.router: Router[OperationPlan] = Router(doc.base_path, plans)
        self.ui = f"{doc.base_path}/ui"

    # -- ASGI -------------------------------------------------------------------------------------------------
    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "lifespan":  # nothing to start or stop: start-up already built everything
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        try:
            reply = await self._serve(scope, receive)
        except Exception as exc:  # noqa: BLE001 - a mock answers, whatever broke
            log.exception("handler crashed", exc_info=exc)
            reply = Reply(500, {"message": "Server error."})
        await send_reply(reply, send)

    async def _serve(self, scope: dict, receive: Callable) -> Reply:
        path = scope["path"]
        if path == self.ui or path.startswith(self.ui + "/"):
            return self._ui()
        raw = scope.get("raw_path")
        # the path as sent: an encoded slash (`..%2F1`) is part of a parameter, not a separator
        relative = self.router.relative(raw.decode("latin-1").split("?", 1)[0] if raw else path)
        if relative is None:
            return self.engine.errors.reply(None, 404)
        segments = split(relative)
        method = scope["method"].lower()
        route, values, other = self.router.find(method, segments)
        if route is None:
            return self._redirect(scope, segments) or self._unrouted(method, segments, other)
        plan, op = route.target, route.op
        headers = Headers(scope=scope)
        query_string = scope.get("query_string", b"").decode("latin-1")
        try:
            query: dict[str, list[str]] = {}
            if query_string and plan.security.query_names:
                for name, value in parse_qsl(query_string, keep_blank_values=True):
                    query.setdefault(name, []).append(value)
            caller = plan.security.caller(headers, query)
        except Refused:
            return self.engine.refusals.unauthenticated(op)  # seam: the mock's refusal policy (errors.Refusals)
        try:
            plan.params.check(values, query_string, headers)
            body = await plan.body.read(headers, receive) if plan.body is not None else None
        except PathProblem as problem:
            return self._unknown(op, problem.param)
        except Problem as problem:
            return self.validation_reply(op, problem.fields)
        if plan.security.key_headers and plan.security.unknown_key(headers, self.directory):
            return self.engine.refusals.unauthenticated(op)  # seam: the mock's refusal policy (errors.Refusals)
        call = Call(op, caller, values, self.coercer.query(op.operation_id, parse_qsl(query_string,
                                                                                     keep_blank_values=True)),
                    body, parse_prefer(headers.get("prefer")))
        return self.engine.handle(call)

    # -- refusals ---------------------------------------------------------------------------------------------
    def validation_status(self, op: Operation) -> int | None:
        """The documented status that answers invalid input to `op`: x-mock-validation's, else 422, else 400."""
        declared = self.engine.plans[op.operation_id].decl.validation.status
        return next((s for s in (declared, 422, 400) if str(s) in op.responses), None)

    def validation_reply(self, op: Operation | None, fields: dict[str, list[str]]) -> Reply:
        # seam: the mock's refusal policy answers invalid input (a defect may answer 500; errors.Refusals)
        if op is None:
            return self.engine.refusals.invalid_input(None, 422, None, fields)
        decl = self.engine.plans[op.operation_id].decl.validation
        status = self.validation_status(op) or decl.status
        code = next((decl.codes[f.split(".")[0]] for f in fields if f.split(".")[0] in decl.codes), decl.default)
        return self.engine.refusals.invalid_input(op, status, code, fields)

    def _unrouted(self, method: str, segments: list[str], other_method: bool) -> Reply:
        """No operation takes this request: an id that cannot exist on a documented path (the record's missing
        refusal), a method the path does not have (405 with Allow), or no documented path (404)."""
        ops = self.router.documented(segments)
        if not other_method:
            op = next((o for o in ops if o.method == method), None)
            if op is not None:
                return self._unknown(op)
            return self.engine.errors.reply(None, 404)
        reply = self.engine.errors.reply(None, 405)
        methods = {o.method.upper() for o in ops} | ({"HEAD"} if any(o.method == "get" for o in ops) else set())
        reply.headers["Allow"] = ", ".join(sorted(methods))  # RFC 9110: a 405 lists the methods the resource has
        return reply

    def _redirect(self, scope: dict, segments: list[str]) -> Reply | None:
        """A path that is documented with (or without) a trailing slash is redirected there (307), as
        Starlette's router does."""
        path = scope["path"]
        if path == "/":
            return None
        toggled = segments[:-1] if segments[-1] == "" else [*segments, ""]
        if len(toggled) < 2 or not any(route.match(toggled) is not None for route in self.router.candidates(toggled)):
            return None
        target = path.rstrip("/") if path.endswith("/") else path + "/"
        headers = Headers(scope=scope)
        host = headers.get("host") or "{}:{}".format(*scope.get("server") or ("127.0.0.1", 80))
        query = scope.get("query_string", b"").decode("latin-1")
        url = f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}{target}"
        url += f"?{query}" if query else ""
        return Reply(307, None, None, {"location": url})

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

    # -- the API reference --------------------------------------------------------------------------------------
    def _ui(self) -> Reply:
        """The old Swagger UI address, kept for bookmarks: the reference page lives under the control API."""
        return Reply(307, None, None, {"Location": REFERENCE})
