"""Choosing a documented response and producing its body: the example when the spec has one, else data
generated from the schema; and encoding a body for its media type (JSON, CSV, NDJSON, text, PDF, ZIP)."""
from __future__ import annotations

import csv
import html
import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any

from contract import Generator, Operation, example_of, merge_all_of

from .values import copy_json, to_json_bytes


@dataclass
class Reply:
    status: int
    body: Any = None
    media: str | None = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def find_response(op: Operation, status: int | str) -> dict | None:
    responses = op.responses
    text = str(status)
    return responses.get(text) or responses.get(f"{text[0]}XX") or responses.get("default")


def primary_media(response: dict | None) -> tuple[str | None, dict]:
    content = (response or {}).get("content") or {}
    for media, obj in content.items():
        if "json" in media:
            return media, obj
    for media, obj in content.items():
        return media, obj
    return None, {}


def item_fields(op: Operation, status: str, items_at: str) -> frozenset[str] | None:
    """The properties a list answer's items are documented with (at the dotted `items_at` of the body, or the
    body itself when it is the array); None when the items are free-form, so a record goes out whole."""
    _, media = primary_media(find_response(op, status))
    schema = merge_all_of(media.get("schema") or {})
    if schema.get("type") != "array" and "items" not in schema:
        for part in items_at.split("."):
            schema = merge_all_of(((schema.get("properties") or {}).get(part)) or {})
    item = merge_all_of(schema.get("items") or {})
    props = item.get("properties")
    if not isinstance(props, dict) or not props or item.get("additionalProperties") not in (None, False):
        return None
    return frozenset(props)


class Bodies:
    """Static bodies per (operation, status), computed once: the hot path only copies them."""

    def __init__(self, generator: Generator):
        self.generator = generator
        self._cache: dict[tuple[str, str], tuple[str | None, Any]] = {}

    def fix(self, op: Operation, status: str, media: str, body: Any) -> None:
        """Answer this status with a body of the caller's instead of the example (the contract document)."""
        self._cache[(op.operation_id, status)] = (media, body)

    def static(self, op: Operation, status: str) -> tuple[str | None, Any]:
        key = (op.operation_id, status)
        if key not in self._cache:
            self._cache[key] = self._compute(op, status)
        media, body = self._cache[key]
        return media, copy_json(body)

    def generated(self, op: Operation, status: str) -> tuple[str | None, Any]:
        media, obj = primary_media(find_response(op, status))
        return media, self.generator.value(merge_all_of(obj.get("schema") or {}))

    def named(self, op: Operation, status: str, name: str) -> tuple[str | None, Any] | None:
        media, obj = primary_media(find_response(op, status))
        examples = obj.get("examples") or {}
        if name in examples and "value" in examples[name]:
            return media, copy_json(examples[name]["value"])
        return None

    def _compute(self, op: Operation, status: str) -> tuple[str | None, Any]:
        media, obj = primary_media(find_response(op, status))
        if media is None:
            return None, None
        found, value = example_of(obj)
        if found:
            return media, value
        return media, self.generator.value(merge_all_of(obj.get("schema") or {}))


# -- encoding -------------------------------------------------------------------------------------------------

def encode(media: str | None, body: Any) -> bytes:
    if body is None or media is None:
        return b""
    if isinstance(body, bytes):
        return body
    if "json" in media and "ndjson" not in media:
        return to_json_bytes(body)
    encoder = ENCODERS.get(media.split(";")[0].strip())
    if encoder:
        return encoder(body)
    return body.encode("utf-8") if isinstance(body, str) else to_json_bytes(body)


def _rows(body: Any) -> list[dict]:
    if isinstance(body, dict) and isinstance(body.get("data"), list):
        body = body["data"]
    if isinstance(body, list):
        return [r if isinstance(r, dict) else {"value": r} for r in body]
    return [body] if isinstance(body, dict) else []


def _csv(body: Any) -> bytes:
    if isinstance(body, str):
        return body.encode("utf-8")
    rows = _rows(body)
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns or ["id"], extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue().encode("utf-8")


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value


def _ndjson(body: Any) -> bytes:
    if isinstance(body, str):
        return body.encode("utf-8")
    return b"".join(to_json_bytes(row) + b"\n" for row in _rows(body))


def _pdf(body: Any) -> bytes:
    text = body if isinstance(body, str) and body else "Rankion mock document"
    text = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")[:200]
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _zip(body: Any) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("README.txt", "Rankion mock export\n")
        zf.writestr("data.csv", _csv(body if isinstance(body, (list, dict)) else []).decode())
    return out.getvalue()


def _text(body: Any) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else to_json_bytes(body)


def _html(body: Any) -> bytes:
    text = body if isinstance(body, str) else "<p>Rankion mock document</p>"
    if text.lstrip().startswith("<"):
        return text.encode("utf-8")
    return f"<!DOCTYPE html><html><body><pre>{html.escape(text)}</pre></body></html>".encode()


ENCODERS = {
    "text/csv": _csv,
    "application/x-ndjson": _ndjson,
    "application/pdf": _pdf,
    "application/zip": _zip,
    "text/plain": _text,
    "text/markdown": _text,
    "text/html": _html,
    "application/yaml": _text,
    "application/octet-stream": _text,
}
