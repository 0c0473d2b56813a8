"""Response validation against the 3.1 contract with openapi-core: one place that says whether a response
(status, headers, media type, body) is what the spec documents for the operation."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

from contract import load_yaml

# openapi-core hands bodies of media types it does not know to the schema as bytes; these are text.
TEXT_MEDIA = ("text/csv", "text/plain", "text/markdown", "text/html", "application/x-ndjson", "application/yaml")


def _text(data: bytes) -> str:
    return data.decode("utf-8") if isinstance(data, bytes) else data


# `type: string, format: binary` bodies: openapi-core wants a str; a latin-1 view keeps every byte.
BINARY_MEDIA = ("application/pdf", "application/zip", "application/octet-stream", "image/png")


def _binary(data: bytes) -> str:
    return data.decode("latin-1") if isinstance(data, bytes) else data


@dataclass
class _Request:
    host_url: str
    path: str
    method: str
    query: str
    content_type: str = "application/json"
    body: bytes | None = None

    @property
    def parameters(self) -> RequestParameters:
        return self._params

    def __post_init__(self) -> None:
        self._params = RequestParameters(query=ImmutableMultiDict(parse_qsl(self.query, keep_blank_values=True)),
                                         header=Headers(), cookie=ImmutableMultiDict())


@dataclass
class _Response:
    status_code: int
    content_type: str
    headers: Headers
    data: bytes


class ResponseValidator:
    """Judges responses against one spec file (the 3.1 document, with openapi-core)."""

    def __init__(self, spec_path: str | Path):
        self.doc = load_yaml(spec_path)
        deserializers = {m: _text for m in TEXT_MEDIA} | {m: _binary for m in BINARY_MEDIA}
        config = Config(extra_media_type_deserializers=deserializers)
        self.api = OpenAPI.from_dict(self.doc, config=config)

    def violations(self, method: str, url: str, status: int, headers: dict[str, str], body: bytes) -> list[str]:
        """Empty when the response is documented and valid; else one line per problem."""
        parts = urlsplit(url)
        request = _Request(f"{parts.scheme}://{parts.netloc}", parts.path, method.lower(), parts.query)
        content_type = headers.get("content-type", "")
        response = _Response(status, content_type.split(";")[0].strip(), Headers(list(headers.items())), body)
        try:
            self.api.validate_response(request, response)
        except Exception as exc:  # openapi-core raises one error type per kind of mismatch
            detail = "; ".join(str(e) for e in getattr(exc, "schema_errors", []) or []) \
                or str(getattr(exc, "__cause__", "") or "")
            return [f"{type(exc).__name__}: {exc} {detail}".strip()[:1500]]
        return []
