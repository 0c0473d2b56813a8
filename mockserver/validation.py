"""connexion's request validators, made to say *which field* failed, so invalid requests can be answered in the
API's own envelopes (Laravel `errors: {field: [...]}` or a structured code per field) instead of a
problem+json body. Malformed bodies (bad JSON, bad UTF-8, too large) become field errors too: 4xx, never 5xx.
"""
from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

import connexion.validators.parameter as connexion_parameters
from connexion.datastructures import MediaTypeDict
from connexion.exceptions import BadRequestProblem
from connexion.json_schema import Draft4RequestValidator
from connexion.utils import is_null, is_nullable
from connexion.validators import (
    VALIDATOR_MAP,
    FormDataValidator,
    JSONRequestBodyValidator,
    MultiPartFormDataValidator,
    ParameterValidator,
)
from jsonschema import Draft4Validator, Draft202012Validator, ValidationError

MAX_BODY_BYTES = 1024 * 1024
# Draft 4's format checker knows no `date` or `uuid`, so `scheduled_date: ""` passed and was stored; the
# contract is 3.1 (JSON Schema 2020-12): check formats as that draft defines them, in bodies and parameters.
FORMATS = Draft202012Validator.FORMAT_CHECKER
connexion_parameters.draft4_format_checker = FORMATS
_REQUIRED = re.compile(r"^'([^']+)' is a required property$")


class FieldProblem(BadRequestProblem):
    """Invalid input, by field name."""

    def __init__(self, fields: dict[str, list[str]]):
        super().__init__(detail="; ".join(f"{k}: {v[0]}" for k, v in fields.items()))
        self.fields = fields


class PathProblem(BadRequestProblem):
    """A path parameter that cannot name anything: answered like an unknown record (404), as routing would."""

    def __init__(self, param: str, detail: str):
        super().__init__(detail=detail)
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


# connexion builds its validators anew for every request, from schemas that live as long as the app: compiled
# once per schema object here, each kept beside its validator so that its id stays its own
_COMPILED: dict[int, tuple[dict, Any]] = {}
_COMPILED_MAX = 4096  # apps built one after another (tests) would otherwise keep every old schema alive


def compiled(schema: dict, build: Callable[[dict], Any]) -> Any:
    entry = _COMPILED.get(id(schema))
    if entry is None:
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.clear()
        entry = _COMPILED[id(schema)] = (schema, build(schema))
    return entry[1]


class _CachedValidator:
    _schema: dict

    @property
    def _validator(self):
        return compiled(self._schema, lambda schema: Draft4RequestValidator(schema, format_checker=FORMATS))

    def _check(self, body: Any) -> Any:
        errors = sorted(self._validator.iter_errors(body), key=lambda e: list(e.absolute_path))
        if errors:
            raise FieldProblem(describe(errors))
        return body


class BodyValidator(_CachedValidator, JSONRequestBodyValidator):
    async def _parse(self, stream, scope) -> Any:
        chunks, size = [], 0
        async for chunk in stream:
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise FieldProblem({"body": [f"The request body may not be larger than {MAX_BODY_BYTES} bytes."]})
            chunks.append(chunk)
        raw = b"".join(chunks)
        if raw and not any(name == b"content-type" for name, _ in scope["headers"]):
            # connexion validates such a body as JSON, but would hand the operation none: it would act on nothing
            raise FieldProblem({"content_type": ["The request has a body but no Content-Type header."]})
        try:
            text = raw.decode(self._encoding)
        except (UnicodeDecodeError, LookupError):
            raise FieldProblem({"body": ["The request body is not valid UTF-8."]}) from None
        if not text:
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise FieldProblem({"body": [f"The request body is not valid JSON: {exc.msg} at position {exc.pos}."]}) from None

    def _validate(self, body: Any) -> Any:
        if not self._nullable and body is None:
            raise FieldProblem({"body": ["The request body is required."]})
        return self._check(body)


class FormValidator(_CachedValidator, FormDataValidator):
    def _validate(self, body: Any) -> Any:
        if not isinstance(body, dict):
            raise FieldProblem({"body": ["The form body must be a mapping."]})
        if self._strict_validation:
            self._validate_params_strictly(body)
        return self._check(body)


class MultipartValidator(_CachedValidator, MultiPartFormDataValidator):
    _validate = FormValidator._validate


class ParamValidator(ParameterValidator):
    # operationIds that document no answer to invalid input: unknown query parameters are ignored there (as
    # Laravel ignores them) rather than answered with a status the operation does not document
    lenient: frozenset[str] = frozenset()

    def validate_parameter(self, parameter_type, value, param, param_name=None):
        """connexion deep-copies a parameter and builds its validator on every request; once is enough."""
        if value is None or (is_nullable(param) and is_null(value)):
            return super().validate_parameter(parameter_type, value, param, param_name)
        checker = connexion_parameters.draft4_format_checker
        validator = compiled(param, lambda p: Draft4Validator(copy.deepcopy(p.get("schema", p)), format_checker=checker))
        try:
            validator.validate(value)
        except ValidationError as exception:
            return str(exception)
        return None

    def validate_request(self, request) -> None:
        routing = request.scope.get("extensions", {}).get("connexion_routing", {})
        if self.strict_validation and routing.get("operation_id") not in self.lenient:
            extra = self.validate_query_parameter_list(request, security_params=self.security_query_params)
            if extra:
                raise FieldProblem({name: [f"The {name} parameter is not documented for this operation."]
                                    for name in sorted(extra)})
        for param in self.parameters.get("path", []):
            error = self.validate_path_parameter(param, request)
            if error:
                raise PathProblem(param["name"], error)
        fields: dict[str, list[str]] = {}
        for location, check in (("query", self.validate_query_parameter), ("header", self.validate_header_parameter),
                                ("cookie", self.validate_cookie_parameter)):
            for param in self.parameters.get(location, []):
                error = check(param, request)
                if error:
                    fields.setdefault(param["name"], []).append(f"The {param['name']} parameter is invalid: {error}")
        if fields:
            raise FieldProblem(fields)


def validator_map(lenient: frozenset[str] = frozenset()) -> dict:
    return {
        "parameter": type("ParamValidator", (ParamValidator,), {"lenient": lenient}),
        "body": MediaTypeDict({
            "*/*json": BodyValidator,
            "application/x-www-form-urlencoded": FormValidator,
            "multipart/form-data": MultipartValidator,
        }),
        "response": VALIDATOR_MAP["response"],
    }
