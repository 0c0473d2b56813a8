"""What stands between the mock and its callers (issue 16): the request journal and, unless turned off, CORS.

Both are plain ASGI middleware (mockserver/journal.py, mockserver/cors.py); this module only stacks them, CORS
outermost so preflights are answered before anything else sees them.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.types import ASGIApp

from .cors import CORSMiddleware, documented_headers
from .journal import JournalMiddleware, Routes

if TYPE_CHECKING:
    from .app import Mock


def front_door(mock: Mock, app: ASGIApp, cors: bool) -> ASGIApp:
    def team_of(token: str | None) -> str | None:
        caller = mock.directory.caller(token)
        return caller.team if caller else None

    operations = mock.doc.operations.values()
    app = JournalMiddleware(app, mock.journal, Routes(mock.doc.base_path, operations), team_of)
    if cors:
        app = CORSMiddleware(app, documented_headers(op.responses.get(status, {}) for op in operations
                                                     for status in op.responses))
    return app
