"""Error answers in the API's own envelopes.

The body is the documented response's example named after the code (else its first example), filled in: a
Laravel body gets its `errors` map, a structured `{error:{code}}` body its code, a string `{error:"…"}` body
the code itself. So a spec with another envelope needs no code here, only examples.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from contract import Operation, example_of

from .responses import Bodies, Reply, find_response, primary_media
from .values import copy_json

FALLBACK_MESSAGES = {
    400: "Bad request.", 401: "Unauthenticated.", 402: "Insufficient credits.", 403: "This action is unauthorized.",
    404: "Not found.", 405: "Method not allowed.", 409: "Conflict.", 410: "Gone.", 413: "Payload too large.",
    422: "The given data was invalid.", 429: "Too Many Attempts.", 500: "Server error.", 503: "Service unavailable.",
}


Finisher = Callable[[Reply], Reply]


class Errors:
    def __init__(self, bodies: Bodies, finishers: Sequence[Finisher] = ()):
        self.bodies = bodies
        self.finishers = tuple(finishers)  # what every answer carries (request_id.py)

    def reply(self, op: Operation | None, status: int, code: str | None = None,
              fields: dict[str, list[str]] | None = None, extra: dict[str, Any] | None = None) -> Reply:
        response = find_response(op, status) if op else None
        media, media_obj = primary_media(response)
        if op is None or response is None or media is None:
            body: Any = {"message": FALLBACK_MESSAGES.get(status, "Error.")}
            if fields:
                body["errors"] = fields
            return self.finish(Reply(status, body, "application/json"))
        examples = media_obj.get("examples") or {}
        named = bool(code and code in examples and "value" in examples[code])
        if named:
            body = copy_json(examples[code]["value"])
        else:
            found, value = example_of(media_obj)
            body = copy_json(value) if found else self.bodies.generated(op, str(status))[1]
        return self.finish(Reply(status, fill(body, code, fields, extra, named), media))

    def finish(self, reply: Reply) -> Reply:
        for finish in self.finishers:
            reply = finish(reply)
        return reply


Unauthenticated = Callable[[Operation | None], Reply]
InvalidInput = Callable[[Operation | None, int, str | None, dict[str, list[str]]], Reply]  # (op, status, code, fields)


@dataclass
class Refusals:
    """How the HTTP layer answers a request it refuses before the engine runs (no valid credentials, invalid
    input): http.py asks this policy, the mock owns it, and a defect (defects.py) swaps one answer by name."""
    unauthenticated: Unauthenticated
    invalid_input: InvalidInput

    @classmethod
    def documented(cls, errors: Errors) -> Refusals:
        """The contract's answers: the documented 401, the documented validation error."""
        return cls(lambda op: errors.reply(op, 401),
                   lambda op, status, code, fields: errors.reply(op, status, code, fields=fields))


def fill(body: Any, code: str | None, fields: dict[str, list[str]] | None, extra: dict[str, Any] | None,
         named: bool = False) -> Any:
    """`named`: the example was chosen by its code, so a string `error` already says it (a message, say)."""
    if not isinstance(body, dict):
        return body
    if fields and isinstance(body.get("errors"), dict):
        body["errors"] = fields
        first = next(iter(fields.values()))
        if first:
            body["message"] = first[0]
    inner = body.get("error")
    if isinstance(inner, dict):
        if code:
            inner["code"] = code
        if fields and "message" in inner:
            inner["message"] = next(iter(fields.values()))[0]
        details = inner.get("details")
        if fields and isinstance(details, dict) and "errors" in details:
            details["errors"] = [{"field": name, "message": text} for name, texts in fields.items() for text in texts]
        for key, value in (extra or {}).items():
            if key in inner:
                inner[key] = value
            elif isinstance(details, dict) and key in details:
                details[key] = value
    elif isinstance(inner, str) and code and not named:
        body["error"] = code
    for key, value in (extra or {}).items():
        if key in body and key != "error":
            body[key] = value
    return body
