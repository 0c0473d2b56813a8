"""The request body: presence, requiredness, media types and schemas."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..model import Change
from ..registry import OperationPair, SchemaContext, change, operation_rule
from ..walk import diff_schema


def _body(raw: dict[str, Any]) -> dict[str, Any] | None:
    body = raw.get("requestBody")
    return body if isinstance(body, dict) else None


def _content(body: dict[str, Any] | None) -> dict[str, Any]:
    content = body.get("content") if body else None
    return content if isinstance(content, dict) else {}


@operation_rule
def request_body_presence_changed(pair: OperationPair) -> Iterator[Change]:
    before, after = _body(pair.old.raw), _body(pair.new.raw)
    if before is None and after is not None:
        if after.get("required") is True:
            yield change("request-body-added-required", pair.label, "added a required request body")
        else:
            yield change("request-body-added-optional", pair.label, "added an optional request body")
    elif before is not None and after is None:
        yield change("request-body-removed", pair.label, "removed the request body")


@operation_rule
def request_body_requiredness_changed(pair: OperationPair) -> Iterator[Change]:
    before, after = _body(pair.old.raw), _body(pair.new.raw)
    if before is None or after is None:
        return
    was, now = before.get("required") is True, after.get("required") is True
    if was != now:
        state = "required" if now else "optional"
        yield change(f"request-body-became-{state}", pair.label, f"request body became {state}")


@operation_rule
def request_media_types_changed(pair: OperationPair) -> Iterator[Change]:
    before, after = _body(pair.old.raw), _body(pair.new.raw)
    if before is None or after is None:
        return
    old, new = _content(before), _content(after)
    for media in old:
        if media not in new:
            yield change(
                "request-body-media-type-removed", pair.label, f"media type {media} no longer accepted", "request body",
            )
    for media in new:
        if media not in old:
            yield change(
                "request-body-media-type-added", pair.label, f"media type {media} now accepted", "request body",
            )


@operation_rule
def request_schemas_changed(pair: OperationPair) -> Iterator[Change]:
    old, new = _content(_body(pair.old.raw)), _content(_body(pair.new.raw))
    for media, after in new.items():
        before = old.get(media)
        if not isinstance(before, dict) or not isinstance(after, dict):
            continue
        ctx = SchemaContext(pair.label, True, "request-body", "request-property", f"request body {media}")
        yield from diff_schema(
            pair.old_spec.node(before.get("schema", {})), pair.new_spec.node(after.get("schema", {})), ctx
        )
