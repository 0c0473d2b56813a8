"""One valid request per operation, as a client would send it: documented examples first, else data generated
from the schema; path parameters from ids the caller knows (fixtures or ids discovered by listing)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from contract import Generator, Operation, example_of, merge_all_of

_PARAM = re.compile(r"\{([^}]+)\}")


@dataclass
class PreparedRequest:
    method: str
    path: str  # relative to the API base, query included
    json: Any = None
    files: dict[str, tuple[str, bytes, str]] | None = None
    data: dict[str, str] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def curl(self, base_url: str, token: str | None) -> str:
        """A curl command sending this request; `token` goes in as written (a `$TOKEN` placeholder expands)."""
        parts = [f"curl -sS -X {self.method.upper()} {_quote(base_url + self.path)}"]
        if token:
            parts.append(f'-H "Authorization: Bearer {token}"')
        parts += [f"-H {_quote(f'{name}: {value}')}" for name, value in self.headers.items()]
        if self.json is not None:
            parts.append("-H 'Content-Type: application/json' -d " + _quote(json.dumps(self.json)))
        if self.files is not None:
            # the file's bytes are not pasteable: the command names a file of the same name to create first
            parts += [f"-F {_quote(f'{name}=@{upload[0]};type={upload[2]}')}" for name, upload in self.files.items()]
            parts += [f"-F {_quote(f'{name}={value}')}" for name, value in (self.data or {}).items()]
        elif self.data is not None:
            parts += [f"--data-urlencode {_quote(f'{name}={value}')}" for name, value in self.data.items()]
        return " ".join(parts)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def param_value(param: dict[str, Any], gen: Generator) -> Any:
    if "example" in param:
        return param["example"]
    schema = merge_all_of(param.get("schema") or {})
    if "default" in schema:
        return schema["default"]
    if "examples" in schema and schema["examples"]:
        return schema["examples"][0]
    return gen.value(schema, param["name"])


def _query_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def build(op: Operation, path_values: dict[str, Any], gen: Generator, body_override: Any = None) -> PreparedRequest:
    params = op.spec.get("parameters", [])
    by_name = {p["name"]: p for p in params if p.get("in") == "path"}

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        value = path_values[name] if name in path_values else param_value(by_name.get(name, {"name": name}), gen)
        return quote(str(value), safe="")

    path = _PARAM.sub(fill, op.path)
    query: list[tuple[str, str]] = []
    for p in params:
        if p.get("in") == "query" and p.get("required"):
            value = param_value(p, gen)
            values = value if isinstance(value, list) else [value]
            query.extend((p["name"], _query_text(v)) for v in values)
    if query:
        path += "?" + urlencode(query)
    request = PreparedRequest(op.method, path)
    body = op.spec.get("requestBody")
    if not body:
        return request
    content = body.get("content") or {}
    if body_override is not None:
        request.json = body_override
    elif any("json" in m for m in content):
        media = content[next(m for m in content if "json" in m)]
        found, value = example_of(media)
        request.json = value if found else gen.value(merge_all_of(media.get("schema") or {}))
    elif "multipart/form-data" in content:
        schema = merge_all_of(content["multipart/form-data"].get("schema") or {})
        files, data = {}, {}
        for name, sub in (schema.get("properties") or {}).items():
            if sub.get("format") == "binary" or sub.get("contentMediaType"):
                files[name] = (f"{name}.csv", b"prompt,category\nWhat is the best CRM?,recommendation\n", "text/csv")
            elif name in schema.get("required", []):
                data[name] = str(gen.value(sub, name))
        request.files, request.data = files, data
    elif "application/x-www-form-urlencoded" in content:
        schema = merge_all_of(content["application/x-www-form-urlencoded"].get("schema") or {})
        request.data = {k: str(gen.value(v, k)) for k, v in (schema.get("properties") or {}).items()
                        if k in schema.get("required", [])}
    return request
