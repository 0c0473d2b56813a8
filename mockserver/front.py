"""What stands between the mock and its callers (issue 16): the request journal and, unless turned off, CORS.

Both are plain ASGI middleware (mockserver/journal.py, mockserver/cors.py); this module only stacks them, CORS
outermost so preflights are answered before anything else sees them.
"""
from __future__ import annotations

from starlette.types import ASGIApp

from contract import SpecDocument

from .cors import CORSMiddleware, documented_headers
from .faults import operation_router
from .http import MockApp
from .journal import JournalMiddleware
from .state import MockState
from .teams import Directory


def front_door(app: ASGIApp, doc: SpecDocument, state: MockState, http: MockApp, directory: Directory,
               cors: bool) -> ASGIApp:
    def team_of(token: str | None) -> str | None:
        caller = directory.caller(token)
        return caller.team if caller else None

    operations = doc.operations.values()
    app = JournalMiddleware(app, lambda: state.journal, operation_router(http.router), team_of)
    if cors:
        app = CORSMiddleware(app, documented_headers(op.responses.get(status, {}) for op in operations
                                                     for status in op.responses))
    return app
