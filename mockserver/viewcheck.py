"""connexion's start-up check of the derived 3.0 view, done fast.

connexion validates a document against the OpenAPI 3.0 schema, and every `default` against the schema it sits
in, with pure-Python jsonschema: about 1 s for this spec, half the mock's start-up. The same two checks here
take about 20 ms: the 3.0 schema through jsonschema_rs, the defaults with connexion's own validator.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import jsonschema_rs
from connexion.exceptions import InvalidSpecification
from connexion.json_schema import NullableTypeValidator
from connexion.spec import OpenAPISpecification
from jsonschema import Draft4Validator
from jsonschema.validators import extend

# values that are data, not spec objects: a `default` key inside them is not a default
_DATA_KEYS = ("example", "examples", "default", "enum")


def check_view(view: dict) -> None:
    """Raise connexion's InvalidSpecification where connexion's own check would."""
    meta = jsonschema_rs.validator_for(OpenAPISpecification.openapi_schema, validate_formats=False)  # as connexion
    errors = list(meta.iter_errors(view))
    if errors:
        first = errors[0]
        raise InvalidSpecification(f"{first.message[:300]} at {'/'.join(map(str, first.instance_path)) or '(root)'}")
    instances = extend(Draft4Validator, {"type": NullableTypeValidator})(view)
    for schema in _with_defaults(view):
        for error in instances.evolve(schema=schema).iter_errors(schema["default"]):
            raise InvalidSpecification(f"default {schema['default']!r} does not fit its schema: {error.message}")


def _with_defaults(node: Any) -> Iterator[dict]:
    if isinstance(node, dict):
        if "default" in node:
            yield node
        for key, value in node.items():
            if key not in _DATA_KEYS and not key.startswith("x-"):
                yield from _with_defaults(value)
    elif isinstance(node, list):
        for value in node:
            yield from _with_defaults(value)


@contextlib.contextmanager
def fast_view_check(view: dict) -> Iterator[None]:
    """Check `view` now; while the block runs, connexion takes a view as checked instead of checking it again."""
    check_view(view)
    OpenAPISpecification._validate_spec = classmethod(lambda cls, spec: None)  # shadows Specification's
    try:
        yield
    finally:
        del OpenAPISpecification._validate_spec
