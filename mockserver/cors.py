"""CORS for the mock, as one ASGI middleware in the Starlette idiom: a browser app on another origin
(`localhost:3000`) can call the mock as it would call the API, preflight included.

Every origin is allowed (a mock has nothing to protect), echoed with `Vary: Origin` so answers that carry a token
(`credentials: "include"`) work too. A script only sees the response headers a server exposes: the rate-limit
headers, `Retry-After` and `Location` are what a frontend needs to react to a 429 or follow a 202, so they and
every other header the contract documents are exposed.
"""
from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ALLOWED_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
# asked for when a preflight names no header; the ones the API's clients send
DEFAULT_ALLOWED_HEADERS = "Authorization, Content-Type, Accept, Prefer, X-API-Key, X-Request-Id"
ALWAYS_EXPOSED = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After", "Location")
PREFLIGHT_MAX_AGE = "600"


class CORSMiddleware:
    def __init__(self, app: ASGIApp, expose_headers: Iterable[str] = ()) -> None:
        self.app = app
        exposed = dict.fromkeys([*ALWAYS_EXPOSED, *expose_headers])  # ordered, without repeats
        self.expose = ", ".join(exposed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None:  # not a cross-origin browser request: nothing to add
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await self.preflight(origin, headers)(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                out["Access-Control-Allow-Origin"] = origin
                out["Access-Control-Allow-Credentials"] = "true"
                out["Access-Control-Expose-Headers"] = self.expose
                out.add_vary_header("Origin")
            await send(message)

        await self.app(scope, receive, send_with_cors)

    @staticmethod
    def preflight(origin: str, headers: Headers) -> Response:
        return Response(status_code=204, headers={
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Credentials": "true",
            "Access-Control-Allow-Methods": ALLOWED_METHODS,
            "Access-Control-Allow-Headers": headers.get("access-control-request-headers") or DEFAULT_ALLOWED_HEADERS,
            "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
            "Vary": "Origin",
        })


def documented_headers(responses: Iterable[dict]) -> list[str]:
    """Every response header the contract documents, from the operations' response objects."""
    names: dict[str, None] = {}
    for response in responses:
        for name in (response.get("headers") or {}):
            names[name] = None
    return list(names)
