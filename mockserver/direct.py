"""connexion without its per-request decorators: routing, security and request validation stay connexion's
middleware; the operation it routed to is called directly.

connexion's AsyncApp rebuilds each operation's decorator chain on every request (a request object, a URI
parser, signature inspection, the query and body turned into keyword arguments): about a quarter of what a
constant-handler AsyncApp costs per request on this spec. Here an operation resolves to a `Handler` that
takes the ASGI scope and the request body, read once with connexion's own rules.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from connexion.apps.asynchronous import AsyncApi, AsyncASGIApp

# connexion's own rules for a handler's body argument (a private helper: connexion is pinned in pyproject.toml)
from connexion.decorators.parameter import _get_body_argument, sanitized
from connexion.lifecycle import ConnexionRequest
from connexion.middleware import ConnexionMiddleware
from connexion.operations import AbstractOperation
from starlette.responses import Response

Handler = Callable[[dict, Any], Awaitable[Response]]  # (scope, body) -> response


class DirectOperation:
    def __init__(self, operation: AbstractOperation):
        self.operation = operation
        self.handler: Handler = operation.function
        self.has_body = operation.is_request_body_defined and operation.method.upper() != "TRACE"
        # what turns form fields into typed values; connexion builds one per request, it keeps no state
        self.uri_parser = operation.uri_parser_class(operation.parameters, operation.body_definition())

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        body = await self._body(scope, receive) if self.has_body else None
        response = await self.handler(scope, body)
        await response(scope, receive, send)

    async def _body(self, scope: dict, receive: Callable) -> Any:
        """The body as connexion hands it to a handler: parsed JSON or typed form fields, the schema's default
        (else {}) when none came."""
        request = ConnexionRequest(scope, receive, uri_parser=self.uri_parser)
        arguments = _get_body_argument(await request.get_body(), operation=self.operation, arguments=[],
                                       has_kwargs=True, sanitize=sanitized, content_type=request.mimetype)
        return arguments.get("body")


class _DirectApi(AsyncApi):
    def make_operation(self, operation: AbstractOperation) -> DirectOperation:  # type: ignore[override]
        return DirectOperation(operation)


class _DirectASGIApp(AsyncASGIApp):
    api_cls = _DirectApi  # type: ignore[assignment]


def direct_app(**options: Any) -> ConnexionMiddleware:
    """connexion's middleware stack (options as AsyncApp takes them) over operations called directly."""
    return ConnexionMiddleware(_DirectASGIApp(), **options)
