"""API keys that are the fixtures' tokens (`x-mock-tokens: true` on an apiKey security scheme).

OpenAPI security alternatives pass when any one does, so a request with an unknown `X-API-Key` and a valid
`Authorization: Bearer` would be let in. APIs that take the key in either header check the key header first
(STING does), so a presented key that is unknown is refused with the documented 401 whatever else is sent.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .responses import Reply

if TYPE_CHECKING:
    from contract import SpecDocument

    from .errors import Errors
    from .teams import Directory


def token_key_headers(doc: SpecDocument) -> dict[str, list[str]]:
    """operationId -> the headers of its x-mock-tokens apiKey schemes."""
    schemes = ((doc.raw.get("components") or {}).get("securitySchemes") or {})
    headers = {name: s["name"] for name, s in schemes.items()
               if s.get("type") == "apiKey" and s.get("in") == "header" and s.get("x-mock-tokens")}
    out = {}
    for oid, op in doc.operations.items():
        requirements = op.spec.get("security", doc.raw.get("security")) or []
        names = sorted({headers[n] for req in requirements for n in req if n in headers})
        if names:
            out[oid] = names
    return out


class KeyCheck:
    def __init__(self, doc: SpecDocument, directory: Directory, errors: Errors):
        self.doc = doc
        self.directory = directory
        self.errors = errors
        self.headers = token_key_headers(doc)

    async def before(self, operation_id: str, scope: dict) -> Reply | None:
        names = self.headers.get(operation_id)
        if not names:
            return None
        sent = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}
        for name in names:
            key = sent.get(name.lower())
            if key is not None and self.directory.caller(key) is None:
                return self.errors.reply(self.doc.operations[operation_id], 401)
        return None
