"""The request journal: every exchange with the mock's API, refused ones (401, 404, 422 …) included, recorded by an
ASGI middleware around the whole HTTP layer so nothing the router, the validator or a rule answers escapes it.

An entry holds what a developer needs to see why a call got its answer: method, path, query, headers (credentials
masked), request body, status, response body, the operation it matched (None: it matched no operation) and, for a
refusal, which kind of check refused it and the API's own code and message. Filtering follows WireMock's request
verification: by method, path (`*` wildcards), operation, team, status (`4xx` classes too) or unmatched only.
"""
from __future__ import annotations

import fnmatch
import itertools
import json
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

KEEP = 1000  # entries kept; older ones fall off
BODY_LIMIT = 16 * 1024  # bytes of each body kept: enough to read, bounded for uploads and PDFs
CONTROL_PREFIX = "/__mock"
SECRET_HEADER = re.compile(r"authorization|cookie|key|token|secret|signature", re.IGNORECASE)
# What refused a request, by the status the mock answers for each kind of check (spec/README.md).
REFUSALS = {400: "validation", 401: "authentication", 402: "credits", 403: "authorization", 404: "lookup",
            405: "routing", 409: "state rule", 410: "state rule", 413: "validation", 415: "validation",
            422: "validation", 423: "state rule", 429: "throttle"}


class FilterError(ValueError):
    """A journal query the control API answers with 422."""


def mask(name: str, value: str) -> str:
    """Credentials keep their scheme and first characters: enough to tell tokens apart, not to reuse one."""
    if not SECRET_HEADER.search(name):
        return value
    scheme, _, secret = value.rpartition(" ")
    return f"{scheme + ' ' if scheme else ''}{secret[:7]}…" if len(secret) > 7 else "…"


def decode(raw: bytes, media: str | None) -> Any:
    """A body as the journal shows it: JSON parsed, text as text, anything else summarised."""
    if not raw:
        return None
    cut = len(raw) > BODY_LIMIT
    if media and "json" in media and not cut:
        try:
            return json.loads(raw)
        except ValueError:
            pass
    if media and not media.startswith(("text/", "application/json", "application/x-ndjson", "application/yaml",
                                       "application/x-www-form-urlencoded")):
        return f"<{len(raw)} bytes of {media}>"
    text = raw[:BODY_LIMIT].decode("utf-8", "replace")
    return text + f"… ({len(raw)} bytes)" if cut else text


def refusal(status: int, operation: str | None, body: Any) -> dict | None:
    """Which check refused the request, with the API's code, message and field errors from its answer."""
    if status < 400:
        return None
    kind = "fault" if status >= 500 else REFUSALS.get(status, "refused")
    if operation is None and status in (404, 405):
        kind = "routing"
    out: dict[str, Any] = {"kind": kind}
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            out.update({k: error[k] for k in ("code", "message") if k in error})
        elif isinstance(error, str):
            out["code"] = error
        for key in ("message", "errors", "detail", "title"):
            if key in body and key not in out:
                out[key] = body[key]
    return out


@dataclass(frozen=True)
class Query:
    """A journal filter; every field left None matches anything."""
    method: str | None = None
    path: str | None = None
    operation: str | None = None
    team: str | None = None
    status: str | None = None  # "422", or a class: "4xx"
    unmatched: bool = False
    limit: int | None = None

    @classmethod
    def from_params(cls, params: dict[str, str]) -> Query:
        unknown = set(params) - {"method", "path", "operation", "team", "status", "unmatched", "limit"}
        if unknown:
            raise FilterError(f"unknown filter {sorted(unknown)[0]!r}: use method, path, operation, team, status, "
                              "unmatched or limit")
        limit = params.get("limit")
        if limit is not None and not (limit.isdigit() and int(limit) > 0):
            raise FilterError("limit must be a positive integer")
        status = params.get("status")
        if status is not None and not re.fullmatch(r"[1-5](\d\d|xx)", status.lower()):
            raise FilterError("status must be a status code (404) or a class (4xx)")
        unmatched = params.get("unmatched", "false").lower()
        if unmatched not in ("true", "false", "1", "0"):
            raise FilterError("unmatched must be true or false")
        return cls(params.get("method", "").upper() or None, params.get("path"), params.get("operation"),
                   params.get("team"), status and status.lower(), unmatched in ("true", "1"),
                   int(limit) if limit else None)

    def matches(self, entry: dict) -> bool:
        status = str(entry["status"])
        return ((self.method is None or entry["method"] == self.method)
                and (self.path is None or fnmatch.fnmatchcase(entry["path"], self.path))
                and (self.operation is None or entry["operation"] == self.operation)
                and (self.team is None or entry["team"] == self.team)
                and (self.status is None or status == self.status
                     or (self.status.endswith("xx") and status[0] == self.status[0]))
                and (not self.unmatched or entry["operation"] is None))


class Journal:
    def __init__(self, now_iso: Callable[[], str], keep: int = KEEP) -> None:
        self.now_iso = now_iso
        self.entries: deque[dict] = deque(maxlen=keep)
        self._ids = itertools.count(1)

    def record(self, entry: dict) -> None:
        self.entries.append({"id": next(self._ids), "at": self.now_iso(), **entry})

    def find(self, query: Query = Query()) -> list[dict]:
        found = [e for e in self.entries if query.matches(e)]
        return found[-query.limit:] if query.limit else found

    def clear(self) -> None:
        self.entries.clear()


class JournalMiddleware:
    """Records every exchange below it except the control API's own (`/__mock`)."""

    def __init__(self, app: ASGIApp, journal: Callable[[], Journal], operation_of: Callable[[Scope], str | None],
                 team_of: Callable[[str | None], str | None]):
        self.app = app
        self.journal = journal  # the current state's journal: a reset starts a new one
        self.operation_of = operation_of  # the operation the HTTP layer's router finds for a request, if any
        self.team_of = team_of  # a credential -> the team it belongs to (None: unknown)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        response: dict[str, Any] = {"status": 500, "headers": [], "body": bytearray()}  # 500: the app raised
        started = time.perf_counter()
        # The body is read before the app runs: a request refused before its body is read (401, 405) shows it too.
        request_messages = [await receive()]
        while request_messages[-1]["type"] == "http.request" and request_messages[-1].get("more_body"):
            request_messages.append(await receive())
        request_body = b"".join(m.get("body", b"") for m in request_messages if m["type"] == "http.request")
        replay = iter(request_messages)

        async def receive_recorded() -> Message:
            return next(replay, None) or await receive()

        async def send_recorded(message: Message) -> None:
            if message["type"] == "http.response.start":
                response["status"], response["headers"] = message["status"], message.get("headers", [])
            elif message["type"] == "http.response.body" and len(response["body"]) <= BODY_LIMIT:
                response["body"].extend(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive_recorded, send_recorded)
        finally:
            self.journal().record(self.entry(scope, request_body, response,
                                           round((time.perf_counter() - started) * 1000, 1)))

    def entry(self, scope: Scope, request_body: bytes, response: dict, elapsed_ms: float) -> dict:
        headers = Headers(scope=scope)
        response_headers = Headers(raw=response["headers"])
        operation = self.operation_of(scope)
        response_body = decode(bytes(response["body"]), response_headers.get("content-type"))
        query = scope.get("query_string", b"").decode("latin-1")
        return {
            "method": scope["method"], "path": scope["path"],
            "query": {k: v if len(v) > 1 else v[0] for k, v in parse_qs(query, keep_blank_values=True).items()},
            "operation": operation, "team": self.team_of(credential(headers)), "status": response["status"],
            "headers": {k: mask(k, v) for k, v in headers.items()},
            "body": decode(request_body, headers.get("content-type")),
            "response": {"headers": {k: mask(k, v) for k, v in response_headers.items()}, "body": response_body},
            "refusal": refusal(response["status"], operation, response_body),
            "elapsed_ms": elapsed_ms,
        }


def credential(headers: Headers) -> str | None:
    """The token a request presents: a bearer token, or an API key header."""
    authorization = headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return next((v for k, v in headers.items() if "key" in k.lower()), None)
