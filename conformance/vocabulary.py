"""The error vocabulary rule: an error answer uses the envelope the spec documents for that operation and status,
and its code is one the spec lists there (the schema's `enum` or the documented examples).

Envelopes, as the spec's README names them: structured `{error: {code, …}}`, string `{error: "code"}`,
Laravel `{message, errors: {field: [..]}}` and plain `{message}`. A response documents one envelope, or several
through `anyOf`/`oneOf`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from contract import merge_all_of

STRUCTURED, STRING, LARAVEL, MESSAGE = "structured {error: {code}}", "string {error: code}", \
    "Laravel {message, errors}", "{message}"


@dataclass
class Envelope:
    kind: str
    codes: set[str] = field(default_factory=set)


def _kind(schema: dict[str, Any]) -> str | None:
    props = schema.get("properties") or {}
    inner = merge_all_of(props.get("error") or {})
    if "error" in props:
        return STRUCTURED if inner.get("type") == "object" or "properties" in inner else STRING
    if "errors" in props:
        return LARAVEL
    if "message" in props:
        return MESSAGE
    return None


def _schema_codes(schema: dict[str, Any], kind: str) -> set[str]:
    inner = merge_all_of((schema.get("properties") or {}).get("error") or {})
    if kind == STRUCTURED:
        inner = merge_all_of((inner.get("properties") or {}).get("code") or {})
    return {str(v) for v in inner.get("enum") or [] if v is not None}


def body_kind(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("error"), dict):
        return STRUCTURED
    if isinstance(body.get("error"), str):
        return STRING
    if isinstance(body.get("errors"), dict) and isinstance(body.get("message"), str):
        return LARAVEL
    if isinstance(body.get("message"), str):
        return MESSAGE
    return None


def body_code(body: Any, kind: str | None) -> str | None:
    if kind == STRUCTURED:
        code = body["error"].get("code")
        return code if isinstance(code, str) else None
    return body["error"] if kind == STRING else None


def envelopes(response: dict[str, Any]) -> list[Envelope]:
    """The envelopes a documented error response allows (empty when it documents no JSON body)."""
    media = next((m for m in (response.get("content") or {}) if "json" in m), None)
    if media is None:
        return []
    media_obj = response["content"][media]
    schema = merge_all_of(media_obj.get("schema") or {})
    alternatives = schema.get("anyOf") or schema.get("oneOf") or [schema]
    found: list[Envelope] = []
    for alternative in alternatives:
        alternative = merge_all_of(alternative)
        kind = _kind(alternative)
        if kind:
            found.append(Envelope(kind, _schema_codes(alternative, kind)))
    examples = [ex.get("value") for ex in (media_obj.get("examples") or {}).values() if isinstance(ex, dict)]
    if "example" in media_obj:
        examples.append(media_obj["example"])
    for value in examples:
        kind = body_kind(value)
        code = body_code(value, kind) if kind in (STRUCTURED, STRING) else None
        for envelope in found:
            if envelope.kind == kind and code:
                envelope.codes.add(code)
    return found


def problems(response: dict[str, Any] | None, status: int, body: Any) -> list[str]:
    """Why an error answer breaks the documented vocabulary; empty when it keeps it (or documents nothing)."""
    if response is None or status < 400:
        return []
    allowed = envelopes(response)
    if not allowed:
        return []
    kind = body_kind(body)
    # A Laravel body is also a {message} body: it satisfies a documented {message} envelope.
    fits = [e for e in allowed if e.kind == kind or (kind == LARAVEL and e.kind == MESSAGE)]
    if not fits:
        documented = " or ".join(sorted({e.kind for e in allowed}))
        found = kind or "a body in no known error envelope"
        return [f"{status} answered with {found}; the spec documents {documented}"]
    if kind not in (STRUCTURED, STRING):
        return []
    code = body_code(body, kind)
    listed = set().union(*(e.codes for e in fits))
    if not listed:
        return []
    if code not in listed:
        return [f"{status} error code {code!r} is not documented for this response; the spec lists "
                f"{', '.join(sorted(listed))}"]
    return []
