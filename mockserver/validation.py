"""Request validation, compiled once per operation from the 3.1 contract itself: parameters parsed by their
OpenAPI style and coerced to their schema's type, bodies parsed by media type, and both checked by validators
built at start-up (jsonschema-rs on the hot path; the pure-Python validator only words the errors of a request
already found invalid). Invalid input names *which field* failed, so it can be answered in the API's own
envelopes (Laravel `errors: {field: [...]}` or a structured code per field); malformed bodies (bad JSON, bad
UTF-8, too large) become field errors too: 4xx, never 5xx.
"""
from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import parse_qsl, unquote

import jsonschema_rs
import orjson
from jsonschema import Draft202012Validator, ValidationError
from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import FormParser, MultiPartException, MultiPartParser

MAX_BODY_BYTES = 1024 * 1024
# the contract is 3.1 (JSON Schema 2020-12): formats are checked as that draft's checker defines them, in
# bodies and parameters alike; jsonschema-rs asks the same checker, so both validators agree on every format
FORMATS = Draft202012Validator.FORMAT_CHECKER
_RS_FORMATS = ("date", "date-time", "duration", "email", "hostname", "idn-email", "idn-hostname", "ipv4", "ipv6",
               "iri", "iri-reference", "json-pointer", "regex", "relative-json-pointer", "time", "uri",
               "uri-reference", "uri-template", "uuid")
_REQUIRED = re.compile(r"^'([^']+)' is a required property$")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_DELIMITERS = {"spaceDelimited": " ", "pipeDelimited": "|", "simple": ",", "form": ","}
_STYLE_DEFAULTS = {"path": "simple", "header": "simple", "query": "form", "cookie": "form", "form": "form"}


def _format_check(name: str) -> Callable[[str], bool]:
    return lambda value: FORMATS.conforms(value, name)


_FORMAT_CHECKS = {name: _format_check(name) for name in _RS_FORMATS}


class Problem(Exception):
    """Invalid input, answered with the operation's documented validation status."""

    def __init__(self, fields: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {v[0]}" for k, v in fields.items()))
        self.fields = fields


class PathProblem(Exception):
    """A path parameter that cannot name anything: answered like an unknown record (404), as routing would."""

    def __init__(self, param: str | None = None):
        super().__init__(param)
        self.param = param


def describe(errors: list[ValidationError], prefix: str = "") -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        path = [str(p) for p in error.absolute_path]
        missing = _REQUIRED.match(error.message)
        if missing:
            path.append(missing.group(1))
            text = f"The {missing.group(1)} field is required."
        else:
            text = f"The {'.'.join(path) or prefix or 'body'} field is invalid: {error.message[:200]}"
        name = ".".join(path) or prefix or "body"
        fields.setdefault(name, []).append(text)
    return fields


# -- schemas ----------------------------------------------------------------------------------------------------

def types_of(schema: Any) -> tuple[str | None, bool]:
    """(the first non-null type, whether null is allowed) of a 3.1 schema."""
    if not isinstance(schema, dict):
        return None, False
    kind = schema.get("type")
    if isinstance(kind, list):
        real = [k for k in kind if k != "null"]
        return (real[0] if real else None), "null" in kind
    if kind is None:
        for key in ("anyOf", "oneOf"):
            branches = [types_of(b) for b in schema.get(key) or []]
            real = {k for k, _ in branches if k}
            if branches and len(real) == 1:
                return real.pop(), any(n for _, n in branches)
        if "allOf" in schema:
            for branch in schema["allOf"]:
                found = types_of(branch)
                if found[0]:
                    return found
    return kind, kind == "null" or bool(schema.get("nullable"))


def _request_schema(schema: Any) -> Any:
    """A request is not asked for what the server writes: `readOnly` properties are never required of it."""
    if isinstance(schema, list):
        return [_request_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _request_schema(v) if k not in ("enum", "const", "default", "example", "examples") else v
           for k, v in schema.items()}
    props = schema.get("properties")
    if isinstance(props, dict) and isinstance(schema.get("required"), list):
        out["required"] = [r for r in schema["required"]
                           if not (isinstance(props.get(r), dict) and props[r].get("readOnly"))]
    return out


def _has_ref(node: Any) -> bool:
    if isinstance(node, dict):
        return "$ref" in node or any(_has_ref(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_ref(v) for v in node)
    return False


class SchemaCheck:
    """One schema, compiled once: a fast yes/no, and the field errors of a value that is not valid."""

    def __init__(self, schema: Any, components: dict | None = None):
        schema = _request_schema(schema if isinstance(schema, (dict, bool)) else {})
        if isinstance(schema, dict) and components and _has_ref(schema):
            # a recursive schema keeps its `$ref`s (resolving stops at the cycle): they point into components
            schema = {**schema, "components": components}
        self.schema = schema
        self.fast = jsonschema_rs.validator_for(schema, validate_formats=True, formats=_FORMAT_CHECKS) \
            if isinstance(schema, dict) else None
        self._slow: Draft202012Validator | None = None

    def is_valid(self, value: Any) -> bool:
        return self.fast.is_valid(value) if self.fast is not None else self.schema is not False

    def errors(self, value: Any) -> list[ValidationError]:
        if self._slow is None:
            self._slow = Draft202012Validator(self.schema, format_checker=FORMATS)
        return sorted(self._slow.iter_errors(value), key=lambda e: list(e.absolute_path))

    def first_error(self, value: Any) -> str:
        if self._slow is None:
            self._slow = Draft202012Validator(self.schema, format_checker=FORMATS)
        try:
            self._slow.validate(value)
        except ValidationError as error:
            return str(error)
        return next((e.message for e in self.fast.iter_errors(value)), "invalid") if self.fast else "invalid"


# -- parameters -------------------------------------------------------------------------------------------------

def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    lowered = value.lower() if hasattr(value, "lower") else None
    if lowered in ("true", "false"):
        return lowered == "true"
    raise ValueError("Invalid boolean value")


_MAKERS: dict[str, Callable[[Any], Any]] = {"integer": int, "number": float, "boolean": boolean}


def is_null(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() in ("null", "None"))


def coerce(schema: dict, value: Any, header: bool = False) -> Any:
    """A parameter's string value as its schema's type; a value that does not convert stays as sent (and the
    validator then says why it is wrong)."""
    kind, nullable = types_of(schema)
    if nullable and is_null(value):
        return None
    if kind == "array":
        if header and isinstance(value, str):
            value = value.split(",")
        item_kind = types_of(schema.get("items") or {})[0]
        make = _MAKERS.get(item_kind or "")
        out = []
        for part in value:
            try:
                out.append(make(part) if make else part)
            except (ValueError, TypeError):
                out.append(part)
        return out
    if kind == "object":
        props = schema.get("properties")
        return _cast_leaves(value, schema) if props else value
    make = _MAKERS.get(kind or "")
    if make is None:
        return value
    try:
        return make(value)
    except (ValueError, TypeError):
        return value


def _cast_leaves(value: Any, schema: dict) -> Any:
    if not isinstance(value, dict):
        make = _MAKERS.get(types_of(schema)[0] or "")
        try:
            return make(value) if make else value
        except (ValueError, TypeError):
            return value
    props = schema.get("properties") or {}
    return {k: _cast_leaves(v, props[k]) if k in props else v for k, v in value.items()}


class Param:
    """One declared parameter: where it comes from, how its text becomes a value, and its validator."""

    def __init__(self, spec: dict, components: dict | None):
        self.name: str = spec["name"]
        self.location: str = spec["in"]
        self.required = bool(spec.get("required"))
        self.schema: dict = spec.get("schema") if isinstance(spec.get("schema"), dict) else {}
        self.kind, self.nullable = types_of(self.schema)
        self.style = spec.get("style", _STYLE_DEFAULTS.get(self.location, "form"))
        self.explode = spec.get("explode", self.style == "form")
        self.deep = self.style == "deepObject"
        self.check = SchemaCheck(self.schema, components)

    def from_values(self, values: list[str]) -> Any:
        """The typed value of a query parameter given (possibly) several times."""
        if self.kind == "array":
            delimiter = _DELIMITERS.get(self.style, ",")
            joined = delimiter.join(values) if self.explode else values[-1]
            return coerce(self.schema, joined.split(delimiter))
        return coerce(self.schema, values[-1])

    def problem(self, value: Any) -> str | None:
        """Why a value (None: not sent) is refused, or None."""
        if self.nullable and is_null(value):
            return None
        if value is not None:
            return None if self.check.is_valid(value) else self.check.first_error(value)
        if self.required:
            return f"Missing {self.location} parameter '{self.name}'"
        return None


def _deep_objects(params: dict[str, Param], query: dict[str, list[str]]) -> dict[str, list[Any]]:
    """`filter[status]=done` → `filter: [{"status": "done"}]` for deepObject parameters."""
    out: dict[str, list[Any]] = {}
    for key, values in query.items():
        root = key.split("[", 1)[0]
        if key in params or root == key or root not in params or not params[root].deep:
            out[key] = values
            continue
        node = out.setdefault(root, [{}])[0]
        path = re.findall(r"\[([^\[\]]*)\]", key)
        for part in path[:-1]:
            node = node.setdefault(part, {})
        if path:
            node[path[-1]] = values[0]
    return out


class Parameters:
    """An operation's parameters, compiled: path, query, header and cookie checks in connexion's order."""

    def __init__(self, specs: list[dict], lenient: bool, security_query: frozenset[str],
                 components: dict | None):
        self.by_location: dict[str, list[Param]] = {"path": [], "query": [], "header": [], "cookie": []}
        for spec in specs:
            if isinstance(spec, dict) and spec.get("in") in self.by_location and "name" in spec:
                self.by_location[spec["in"]].append(Param(spec, components))
        self.query = {p.name: p for p in self.by_location["query"]}
        self.path = {p.name: p for p in self.by_location["path"]}
        self.known_query = frozenset(self.query) | security_query
        self.strict = not lenient
        self.has_deep = any(p.deep for p in self.query.values())
        self.trivial = not any(self.by_location.values())

    def check(self, path: dict[str, Any], raw_query: str, headers: Headers | None) -> None:
        """Raise Problem (or PathProblem) for what the request sent wrong."""
        query: dict[str, list[str]] = {}
        if raw_query:
            for name, value in parse_qsl(raw_query, keep_blank_values=True):
                query.setdefault(name, []).append(value)
        if self.strict:
            extra = set(query) - self.known_query
            if extra:
                raise Problem({name: [f"The {name} parameter is not documented for this operation."]
                               for name in sorted(extra)})
        if self.trivial:
            return
        for param in self.by_location["path"]:
            value = path.get(param.name)
            if isinstance(value, str):
                value = coerce(param.schema, value)
            if param.problem(value):
                raise PathProblem(param.name)
        fields: dict[str, list[str]] = {}
        if self.query:
            if self.has_deep:
                query = _deep_objects(self.query, query)  # type: ignore[arg-type]
            for param in self.by_location["query"]:
                values = query.get(param.name)
                _note(fields, param, param.problem(param.from_values(values) if values is not None else None))
        if self.by_location["header"] or self.by_location["cookie"]:
            headers = headers or Headers()
            for param in self.by_location["header"]:
                value = headers.get(param.name)
                _note(fields, param, param.problem(coerce(param.schema, value, header=True)
                                                   if value is not None else None))
            cookies = _cookies(headers.get("cookie")) if self.by_location["cookie"] else {}
            for param in self.by_location["cookie"]:
                value = cookies.get(param.name)
                _note(fields, param, param.problem(coerce(param.schema, value) if value is not None else None))
        if fields:
            raise Problem(fields)


def _note(fields: dict[str, list[str]], param: Param, error: str | None) -> None:
    if error:
        fields.setdefault(param.name, []).append(f"The {param.name} parameter is invalid: {error}")


def _cookies(header: str | None) -> dict[str, str]:
    out = {}
    for part in (header or "").split(";"):
        if "=" in part:
            key, value = part.split("=", 1)
            out[key.strip()] = unquote(value.strip())
    return out


# -- bodies -----------------------------------------------------------------------------------------------------

def split_content_type(value: str | None) -> tuple[str | None, str]:
    if value is None:
        return None, "utf-8"
    mime, _, params = value.partition(";")
    encoding = "utf-8"
    for param in params.split(";"):
        param = param.strip()
        if param.startswith("charset="):
            encoding = param[len("charset="):].strip('"')
    return mime.strip(), encoding


def media_matches(pattern: str, mime: str) -> bool:
    """Whether a documented media type (or range: `*/*`, `application/*`) covers a request's."""
    pattern, mime = pattern.lower(), mime.lower()
    if pattern == mime or pattern == "*/*":
        return True
    main, _, sub = pattern.partition("/")
    req_main, _, req_sub = mime.partition("/")
    return sub == "*" and main == req_main


def is_json(mime: str) -> bool:
    main, _, sub = mime.partition("/")
    return main == "application" and (sub == "json" or sub.endswith("+json"))


class Body:
    """An operation's request body, compiled: the media types it takes and, per type, the validator."""

    def __init__(self, spec: dict, components: dict | None):
        self.content: dict[str, dict] = {m: (o if isinstance(o, dict) else {}) for m, o in
                                         (spec.get("content") or {}).items()}
        self.media = list(self.content)
        self.required = bool(spec.get("required"))
        self.checks: dict[str, SchemaCheck] = {}
        for media, obj in self.content.items():
            schema = obj.get("schema")
            if isinstance(schema, dict) and schema:
                self.checks[media] = SchemaCheck(_files_as_any(schema) if media in FORM_TYPES else schema,
                                                 components)

    def documented(self, mime: str) -> str | None:
        return next((m for m in self.media if media_matches(m, mime)), None)

    async def read(self, headers: Headers, receive: Callable) -> Any:
        """The parsed, validated body the operation is handed (Problem when it is not acceptable)."""
        sent = headers.get("content-type")
        mime, encoding = split_content_type(sent)
        if mime is None:
            mime = self.media[0] if self.media else "application/octet-stream"
        documented = self.documented(mime)
        if documented is None and self.media:
            raise Problem({"content_type": [f"Unsupported content type: Invalid Content-type ({mime}), "
                                            f"expected {self.media}"]})
        schema = (self.content.get(documented or "") or {}).get("schema")
        check = self.checks.get(documented or "")
        empty = not _int(headers.get("content-length"))
        if check is not None and empty:
            default = schema.get("default") if isinstance(schema, dict) else None
            if default is None and self.required:
                raise Problem({"body": ["RequestBody is required"]})
            if default is not None:
                raw = json.dumps(default).encode(encoding, "replace")
                return await self._parsed(mime, documented, schema, check, _replay(raw), headers, sent)
            # OpenAPI: an optional body may be left out; no body and `{}` are then the same request, and the
            # schema's required properties bind only a body that is sent
            return self._default(schema)
        return await self._parsed(mime, documented, schema, check, receive, headers, sent)

    async def _parsed(self, mime: str, documented: str | None, schema: Any, check: SchemaCheck | None,
                      receive: Callable, headers: Headers, sent: str | None) -> Any:
        raw = await _read(receive)
        nullable = types_of(schema)[1]
        lowered = mime.lower()
        if check is not None and (is_json(lowered) or lowered.endswith("json")):
            if raw and sent is None:
                # a body the operation would be handed as no JSON at all: it would act on nothing
                raise Problem({"content_type": ["The request has a body but no Content-Type header."]})
            body = _json(raw, split_content_type(sent)[1])
            if body is None and nullable:
                return None
            if body is None:
                raise Problem({"body": ["The request body is required."]})
            if not check.is_valid(body):
                raise Problem(describe(check.errors(body)) or {"body": ["The request body is invalid."]})
            return body
        if check is not None and lowered in FORM_TYPES:
            return await self._form(lowered, schema, check, raw, headers)
        if is_json(lowered) if sent else False:
            try:
                return json.loads(raw) if raw else self._default(schema)
            except ValueError:
                return None
        return raw or None

    async def _form(self, mime: str, schema: dict, check: SchemaCheck, raw: bytes, headers: Headers) -> dict:
        stream = _chunks(raw)
        try:
            parser = FormParser(headers, stream) if mime == FORM_TYPES[0] else MultiPartParser(headers, stream)
            data = await parser.parse()
        except (MultiPartException, ValueError, KeyError) as exc:
            raise Problem({"body": [str(exc) or "The form body could not be read."]}) from None
        # only the parts' names and counts are read: the spooled files close now, not whenever the GC gets to them
        await data.close()
        props = schema.get("properties") or {}
        encodings = (self.content.get(mime) or {}).get("encoding") or {}
        fields: dict[str, Any] = {}
        files: dict[str, Any] = {}
        for key in data.keys():
            values = data.getlist(key)
            sub = props.get(key) if isinstance(props.get(key), dict) else {}
            if _is_file(sub):
                files[key] = "" if len(values) == 1 else [""] * len(values)
            elif _is_file(sub.get("items") or {}) or isinstance(values[0], UploadFile):
                files[key] = [""] * len(values)
            else:
                fields[key] = _form_value(values, sub, encodings.get(key) or {}, schema)
        extra = (set(fields) | set(files)) - set(props)
        if extra:
            raise Problem({"query": [f"Extra formData parameter(s) {','.join(extra)} not in spec"]})
        checked = {**fields, **files}
        if not check.is_valid(checked):
            raise Problem(describe(check.errors(checked)) or {"body": ["The form body is invalid."]})
        default = schema.get("default")
        return {**(default if isinstance(default, dict) else {}), **fields}

    @staticmethod
    def _default(schema: Any) -> Any:
        default = schema.get("default") if isinstance(schema, dict) else None
        return {} if default is None else default


def _is_file(schema: dict) -> bool:
    """A file part: `format: binary/base64` (3.0) or a `contentMediaType`/`contentEncoding` string (3.1)."""
    return isinstance(schema, dict) and types_of(schema)[0] in ("string", None) and (
        schema.get("format") in ("binary", "base64") or "contentMediaType" in schema or "contentEncoding" in schema)


def _files_as_any(schema: dict) -> dict:
    """File parts are bytes, not text: their schema checks only that a part came."""
    props = schema.get("properties")
    if not isinstance(props, dict):
        return schema
    out = {}
    for name, sub in props.items():
        if _is_file(sub):
            out[name] = {"type": ["string", "array"]}
        elif isinstance(sub, dict) and _is_file(sub.get("items") or {}):
            out[name] = {**sub, "items": {}}
        else:
            out[name] = sub
    return {**schema, "properties": out}


def _form_value(values: list[str], schema: dict, encoding: dict, body_schema: dict) -> Any:
    if types_of(body_schema)[0] != "object":
        return values
    style = encoding.get("style", "form")
    delimiter = _DELIMITERS.get(style, ",")
    value: Any = delimiter.join(values) if encoding.get("explode", style == "form") else values[-1]
    content_type = encoding.get("contentType")
    if content_type and is_json(content_type):
        try:
            value = json.loads(value)
        except ValueError:
            pass
    elif types_of(schema)[0] == "array":
        value = value.split(delimiter)
    return coerce(schema, value) if schema else value


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


def _json(raw: bytes, encoding: str) -> Any:
    try:
        text = raw.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise Problem({"body": ["The request body is not valid UTF-8."]}) from None
    if not text:
        return None
    try:
        return orjson.loads(raw) if encoding.lower() in ("utf-8", "utf8") else json.loads(text)
    except orjson.JSONDecodeError:
        pass
    try:  # Python's parser words the error (and takes the NaN and Infinity orjson refuses)
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise Problem({"body": [f"The request body is not valid JSON: {exc.msg} at position {exc.pos}."]}) from None


async def _read(receive: Callable) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise Problem({"body": [f"The request body may not be larger than {MAX_BODY_BYTES} bytes."]})
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(raw: bytes) -> Callable:
    """A receive channel that sends `raw` as the whole body (a documented default stands in for none)."""
    async def replayed() -> dict:
        return {"type": "http.request", "body": raw, "more_body": False}
    return replayed


async def _chunks(raw: bytes) -> AsyncIterator[bytes]:
    yield raw
    yield b""
