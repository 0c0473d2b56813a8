"""Responses: status codes, media types, headers and body schemas."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..model import Change
from ..registry import OperationPair, SchemaContext, change, operation_rule
from ..walk import diff_schema


def _responses(raw: dict[str, Any]) -> dict[str, dict[str, Any]]:
    responses = raw.get("responses")
    if not isinstance(responses, dict):
        return {}
    return {str(code): r for code, r in responses.items() if isinstance(r, dict)}


def _is_success(code: str) -> bool:
    return code.startswith("2")


def _map(response: dict[str, Any], key: str) -> dict[str, Any]:
    value = response.get(key)
    return value if isinstance(value, dict) else {}


def _common(pair: OperationPair) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    old = _responses(pair.old.raw)
    for code, after in _responses(pair.new.raw).items():
        if code in old:
            yield code, old[code], after


@operation_rule
def response_statuses_changed(pair: OperationPair) -> Iterator[Change]:
    old, new = _responses(pair.old.raw), _responses(pair.new.raw)
    for code in old:
        if code not in new:
            kind = "success" if _is_success(code) else "non-success"
            yield change(f"response-{kind}-status-removed", pair.label, f"removed the {kind} response {code}")
    for code in new:
        if code not in old:
            kind = "success" if _is_success(code) else "non-success"
            yield change(f"response-{kind}-status-added", pair.label, f"added the {kind} response {code}")


@operation_rule
def response_media_types_changed(pair: OperationPair) -> Iterator[Change]:
    for code, before, after in _common(pair):
        old, new = _map(before, "content"), _map(after, "content")
        for media in old:
            if media not in new:
                yield change(
                    "response-media-type-removed", pair.label, f"media type {media} removed", f"response {code}",
                )
        for media in new:
            if media not in old:
                yield change("response-media-type-added", pair.label, f"media type {media} added", f"response {code}")


def _headers(response: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    # Header names are case-insensitive on the wire: match on lower case, report as written.
    return {str(k).lower(): (str(k), v) for k, v in _map(response, "headers").items() if isinstance(v, dict)}


@operation_rule
def response_headers_changed(pair: OperationPair) -> Iterator[Change]:
    for code, before, after in _common(pair):
        old, new = _headers(before), _headers(after)
        where = f"response {code}"
        for key, (name, header) in old.items():
            if key not in new:
                required = header.get("required") is True
                rule = "required-response-header-removed" if required else "optional-response-header-removed"
                yield change(
                    rule, pair.label, f"removed the {'required' if required else 'optional'} header {name}", where,
                )
        for key, (name, header) in new.items():
            if key not in old:
                yield change("response-header-added", pair.label, f"added the header {name}", where)
                continue
            was, now = old[key][1].get("required") is True, header.get("required") is True
            if was != now:
                state = "required" if now else "optional"
                yield change(f"response-header-became-{state}", pair.label, f"header {name} became {state}", where)


@operation_rule
def response_header_schemas_changed(pair: OperationPair) -> Iterator[Change]:
    for code, before, after in _common(pair):
        old = _headers(before)
        for key, (name, header) in _headers(after).items():
            if key in old:
                ctx = SchemaContext(
                    pair.label, False, "response-header", "response-header", f"response {code} header {name}"
                )
                yield from diff_schema(
                    pair.old_spec.node(old[key][1].get("schema", {})), pair.new_spec.node(header.get("schema", {})), ctx
                )


@operation_rule
def response_schemas_changed(pair: OperationPair) -> Iterator[Change]:
    for code, before, after in _common(pair):
        old = _map(before, "content")
        for media, body in _map(after, "content").items():
            prior = old.get(media)
            if not isinstance(prior, dict) or not isinstance(body, dict):
                continue
            ctx = SchemaContext(pair.label, False, "response-body", "response-property", f"response {code} {media}")
            yield from diff_schema(
                pair.old_spec.node(prior.get("schema", {})), pair.new_spec.node(body.get("schema", {})), ctx
            )
