"""`x-mock-request-id` (root declaration): every answer carries a server-generated request id in a header, mirrored
into the body field of that name wherever the documented body has one (an error envelope's `request_id`), so
a client can quote either to support."""
from __future__ import annotations

import uuid

from contract import RequestIdDecl

from .responses import Reply


class RequestIds:
    def __init__(self, decl: RequestIdDecl):
        self.decl = decl

    def stamp(self, reply: Reply) -> Reply:
        if self.decl.header in reply.headers:  # already stamped (a refusal passes the engine and the errors)
            return reply
        request_id = str(uuid.uuid4())
        reply.headers[self.decl.header] = request_id
        if self.decl.field and isinstance(reply.body, dict) and self.decl.field in reply.body:
            reply.body[self.decl.field] = request_id
        return reply
