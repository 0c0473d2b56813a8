"""Security, compiled once per operation: each alternative of its `security` requirement as a list of credential
readers, and the check as a token lookup in the fixtures' directory.

A spec with fixtures (`fixtures/<spec>.teams.yaml`) knows its tokens: a bearer token (or an OAuth2 / OpenID
Connect access token, or a Basic password) must be one of them; an API key must be one when its scheme says
`x-mock-tokens: true`, and any non-empty key passes otherwise. A spec without fixtures accepts any well-formed
credential for every scheme, as Prism does.

Alternatives pass when any one does (OpenAPI's OR); the schemes within one all must (AND). A request that sends
no credential for any alternative, or only wrong ones, is refused with the operation's documented 401.
"""
from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.datastructures import Headers

from .validation import _cookies

if TYPE_CHECKING:
    from contract import Operation, SpecDocument

    from .engine import Caller
    from .teams import Directory


class Refused(Exception):
    """Credentials were sent, but not good ones."""


@dataclass(frozen=True)
class Sent:
    """What a request carries that a scheme may read."""
    headers: Headers
    query: dict[str, list[str]]


# A reader answers None (nothing sent for it), or (True, caller) for a credential it accepts; it raises Refused
# for one it does not.
Reader = Callable[[Sent], "tuple[bool, Caller | None] | None"]


def _authorization(sent: Sent) -> tuple[str, str] | None:
    value = sent.headers.get("authorization")
    if value is None:
        return None
    kind, _, credential = value.strip().partition(" ")
    if not credential.strip():
        raise Refused("Invalid authorization header")
    return kind.lower(), credential.strip()


def _transport(sent: Sent) -> tuple[bool, Caller | None]:
    return True, None


class Schemes:
    """Turns a document's security schemes into readers, against one directory of tokens."""

    def __init__(self, doc: SpecDocument, directory: Directory):
        self.directory = directory
        components = doc.raw.get("components") if isinstance(doc.raw.get("components"), dict) else {}
        self.schemes: dict[str, dict] = {name: s for name, s in (components.get("securitySchemes") or {}).items()
                                         if isinstance(s, dict)}
        self.root = doc.raw.get("security")

    def known(self, token: str) -> Caller | None:
        """The caller a credential names; without fixtures, every well-formed one names the default caller."""
        return self.directory.caller(token)

    def reader(self, scheme: dict) -> Reader | None:
        kind = str(scheme.get("type", "")).lower()
        if kind == "http":
            http_scheme = str(scheme.get("scheme", "")).lower()
            return self._basic() if http_scheme == "basic" else self._authorization_scheme(http_scheme or "bearer")
        if kind in ("oauth2", "openidconnect"):
            return self._authorization_scheme("bearer")
        if kind == "apikey":
            return self._api_key(scheme)
        return _transport  # mutualTLS: the transport's business; the mock takes the request as it comes

    def _authorization_scheme(self, wanted: str) -> Reader:
        def read(sent: Sent) -> tuple[bool, Caller | None] | None:
            found = _authorization(sent)
            if found is None or found[0] != wanted:
                return None
            caller = self.known(found[1])
            if caller is None and not self.directory.open:
                raise Refused("Provided token is not valid")
            return True, caller
        return read

    def _basic(self) -> Reader:
        def read(sent: Sent) -> tuple[bool, Caller | None] | None:
            found = _authorization(sent)
            if found is None or found[0] != "basic":
                return None
            try:
                user, _, password = base64.b64decode(found[1], validate=True).decode("latin-1").partition(":")
            except (binascii.Error, ValueError):
                raise Refused("Invalid authorization header") from None
            if not _:
                raise Refused("Invalid authorization header")
            caller = self.known(password) or self.known(user)
            if caller is None and not self.directory.open:
                raise Refused("Provided authorization is not valid")
            return True, caller
        return read

    def _api_key(self, scheme: dict) -> Reader:
        where, name = scheme.get("in"), str(scheme.get("name", ""))
        tokens_only = bool(scheme.get("x-mock-tokens")) and not self.directory.open

        def value(sent: Sent) -> str | None:
            if where == "header":
                return sent.headers.get(name)
            if where == "query":
                values = sent.query.get(name)
                return values[-1] if values else None
            if where == "cookie":
                return _cookies(sent.headers.get("cookie")).get(name)
            return None

        def read(sent: Sent) -> tuple[bool, Caller | None] | None:
            key = value(sent)
            if key is None:
                return None
            caller = self.known(key)  # a known token also works as a key (APIs that take both)
            if caller is None and (tokens_only or not key):
                raise Refused("Provided apikey is not valid")
            return True, caller
        return read

    def query_names(self, requirements: list) -> frozenset[str]:
        """API key query parameters: not unknown parameters, whatever the operation documents."""
        return frozenset(str(self.schemes[n].get("name")) for req in requirements if isinstance(req, dict)
                         for n in req if n in self.schemes and self.schemes[n].get("type") == "apiKey"
                         and self.schemes[n].get("in") == "query")

    def token_key_headers(self, requirements: list) -> list[str]:
        """Headers of `x-mock-tokens` API keys: a presented key that is unknown is refused whatever else is sent
        (APIs that take the key in either header check the key header first, STING does)."""
        return sorted({str(self.schemes[n]["name"]).lower() for req in requirements if isinstance(req, dict)
                       for n in req if n in self.schemes and self.schemes[n].get("type") == "apiKey"
                       and self.schemes[n].get("in") == "header" and self.schemes[n].get("x-mock-tokens")})


class Security:
    """One operation's security requirement, compiled: its alternatives in the document's order, `None` for
    the empty alternative `{}` (no credentials needed)."""

    def __init__(self, op: Operation, schemes: Schemes):
        requirements = op.spec.get("security", schemes.root)
        requirements = requirements if isinstance(requirements, list) else []
        self.public = not requirements
        self.alternatives: list[list[Reader] | None] = []
        for requirement in requirements:
            if not isinstance(requirement, dict) or not requirement:
                self.alternatives.append(None)
                continue
            readers = [schemes.reader(schemes.schemes[name]) if name in schemes.schemes else None
                       for name in requirement]
            if all(r is not None for r in readers):
                self.alternatives.append(readers)  # type: ignore[arg-type]
        self.key_headers = schemes.token_key_headers(requirements)
        self.query_names = schemes.query_names(requirements)

    def caller(self, headers: Headers, query: dict[str, list[str]]) -> Caller | None:
        """The caller the request authenticates as (None on a public operation); Refused when it does not."""
        if self.public:
            return None
        sent = Sent(headers, query)
        refusals: list[Refused] = []
        for readers in self.alternatives:
            if readers is None:
                return None
            try:
                found = [reader(sent) for reader in readers]
            except Refused as refused:
                refusals.append(refused)
                continue
            if all(f is not None for f in found):
                return next((f[1] for f in found if f is not None and f[1] is not None), None)
        raise refusals[0] if refusals else Refused("No authorization token provided")

    def unknown_key(self, headers: Headers, directory: Directory) -> bool:
        """A presented `x-mock-tokens` key that names nobody."""
        return any((key := headers.get(name)) is not None and directory.caller(key) is None
                   for name in self.key_headers)
